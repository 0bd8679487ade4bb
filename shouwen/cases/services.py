"""Service functions for contacts and cases: every rule of first-contact accountability.

Each function locks the case row, checks the transition table, changes the case and appends to its
timeline in one transaction; views and the API call these, tests create data through them. The
rules live in one module per part of the work, all reached from here:

- ``intake``: registering a call, visit or letter (来电来访登记) and another contact about a case;
- ``handover``: handing over (交接), accepting, sending back, withdrawing, keeping, assigning;
- ``lifecycle``: whose fault, notes, resolving, reopening, closing, declining, voiding, pausing;
- ``documents``: the documents of a desk procedure and the one-time notice (一次性告知);
- ``correction``: correcting a registration (更正登记), second registrations of one matter;
- ``receipt``: the receipt, printed or by text message;
- ``attachments``: photos and PDFs;
- ``lib``: what they all do alike (lock, save with a new version, timeline, next holder, search words).
"""

from __future__ import annotations

from shouwen.cases.attachments import (  # noqa: F401
    add_attachment,
    sniff_attachment_type,
)
from shouwen.cases.correction import (  # noqa: F401
    correct_registration,
    possible_duplicates,
)
from shouwen.cases.documents import (  # noqa: F401
    accept_for_processing,
    give_one_time_notice,
    missing_documents,
    notice_text,
    tick_documents,
)
from shouwen.cases.handover import (  # noqa: F401
    accept_handover,
    cancel_handover,
    chase,
    hand_over,
    keep_in_stead,
    reassign,
    reassign_many,
    request_assignment,
    return_handover,
)
from shouwen.cases.intake import (  # noqa: F401
    CLOCK_SKEW,
    LEAK_WORDS,
    SAFETY_WORDS,
    ContactDraft,
    check_received_at,
    classify_repair,
    classify_urgency,
    next_case_number,
    prepare_contact,
    record_visit,
    register_contact,
    save_contact,
)
from shouwen.cases.lib import (  # noqa: F401
    CaseConflict,
    Kind,
    refresh_search_text,
    search_text_with_resolution,
)
from shouwen.cases.lifecycle import (  # noqa: F401
    add_note,
    close_after_return_visit,
    close_case,
    decline_case,
    pause_case,
    record_attribution,
    reopen_after_return_visit,
    reopen_case,
    resolve_as_accountable,
    resolve_case,
    resume_case,
    void_case,
)
from shouwen.cases.models import RETURN_VISIT_CATEGORIES  # noqa: F401
from shouwen.cases.receipt import (  # noqa: F401
    SmsLimitReached,
    check_sms_limit,
    promised_label,
    promised_time,
    receipt_text,
    send_receipt,
)
