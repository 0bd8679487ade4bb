"""Row locks are taken only inside a transaction, on SQLite as on PostgreSQL."""

import pytest
from django.db import transaction

from shouwen.core.services import for_update
from shouwen.directory.models import Estate


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_on_every_database():
    with pytest.raises(RuntimeError, match="Estate locked outside a transaction"):
        for_update(Estate)
    with transaction.atomic():
        assert list(for_update(Estate).filter(pk=-1)) == []
