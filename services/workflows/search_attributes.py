"""Typed search-attribute keys for listing workflows (the review queue's live view).

Registered on the dev server by ``writ up`` and on the test server by the fixtures;
production registers them once with ``temporal operator search-attribute create``.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

LEGAL_PROCESS_STATUS = SearchAttributeKey.for_keyword("WritStatus")
PROCESS_TYPE = SearchAttributeKey.for_keyword("WritProcessType")
AGENCY_ID = SearchAttributeKey.for_keyword("WritAgencyId")
EMERGENCY = SearchAttributeKey.for_bool("WritEmergency")
RESPOND_BY = SearchAttributeKey.for_datetime("WritRespondBy")

ALL_KEYS = (LEGAL_PROCESS_STATUS, PROCESS_TYPE, AGENCY_ID, EMERGENCY, RESPOND_BY)

# Names as the Temporal CLI's ``--search-attribute Name=Type`` flag spells the types.
CLI_TYPES = {
    LEGAL_PROCESS_STATUS.name: "Keyword",
    PROCESS_TYPE.name: "Keyword",
    AGENCY_ID.name: "Keyword",
    EMERGENCY.name: "Bool",
    RESPOND_BY.name: "Datetime",
}
