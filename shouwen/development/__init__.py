"""Commands for trying and measuring Shouwen, kept out of ``core`` so that ``core`` imports no domain app."""
