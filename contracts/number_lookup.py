"""``GET /v1/number-lookups`` (issue 11 item 7): whether the number was the provider's on
a day and whom to serve. Never a subscriber detail: no account, name, address or entity."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta


class NumberLookupOut(msgspec.Struct, frozen=True, kw_only=True):
    number: Annotated[
        str, Meta(description="The number asked about, masked (E.164, last two digits shown)")
    ]
    date: dt.date
    held: Annotated[
        bool, Meta(description="The provider held the number (assigned to a customer) that day")
    ]
    resold: Annotated[
        bool,
        Meta(
            description="The number was a reseller's: the provider holds only the reseller's"
            " account, so process for the end user goes to the reseller customer"
        ),
    ] = False
    reseller_customer: Annotated[
        str | None, Meta(description="The reseller customer to serve instead, when resold")
    ] = None
