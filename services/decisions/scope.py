"""What each kind of process may compel: docs/legal-rules.md as a table, and the rules
that apply it.

One ``ProcessRule`` per row. ``jurisdiction.select_rule`` picks the row (foreign and
private-party process get rows of their own); ``route_by_rule`` applies its disposition
and ``scope_categories`` narrows what was asked to what the row may reach, giving the
authority for every category it refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from contracts.determination import Disposition, Flag
from contracts.enums import BASIC_SUBSCRIBER_INFO, NON_CONTENT, DataCategory, Outcome, ProcessType
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft

ALL_CATEGORIES = frozenset(DataCategory)
NOTHING: frozenset[DataCategory] = frozenset()


@dataclass(frozen=True, slots=True)
class ProcessRule:
    code: str  # reason code of the scope reason, e.g. "scope_subpoena"
    disposition: Disposition
    may_disclose: frozenset[DataCategory]
    authority: str
    message: str  # may use {process_type} and {country}
    legal_review: bool = False
    flags: tuple[Flag, ...] = ()
    notice_bar: tuple[str, str] | None = None  # (why notice is barred, authority)
    retrospective: bool = True  # reaches stored records, so the date range is checked
    domestication: Literal["criminal", "civil"] | None = None  # compulsory process of a state court
    reimbursable: bool = False  # obtained by a governmental entity under §2703: §2706 applies
    eu_process: bool = False  # an EU authority's own order: GDPR Art. 48 does not redirect it
    outcome: Outcome | None = None  # the machine ends the request with this outcome
    redirect_to: str | None = None
    denials: Mapping[DataCategory, tuple[str, str]] = field(default_factory=dict)


# Why a category is out of reach, unless the row says otherwise: the process it would need.
NEEDS_STRONGER_PROCESS: Mapping[DataCategory, tuple[str, str]] = {
    DataCategory.DETAIL_RECORDS: (
        "detail records go beyond basic subscriber information:"
        " they need a §2703(d) order or a warrant",
        law.RECORDS_NEED_2703D,
    ),
    DataCategory.CONTENT: ("content needs a search warrant", law.CONTENT_NEEDS_WARRANT),
    DataCategory.LOCATION: (
        "historical location records need a warrant",
        law.LOCATION_NEEDS_WARRANT,
    ),
}

_NSL_REACH = (
    "a national security letter reaches only name, address, length of service"
    " and toll billing records",
    law.NATIONAL_SECURITY_LETTER,
)

SUBPOENA_RULE = ProcessRule(
    code="scope_subpoena",
    disposition=Disposition.PROCEED,
    may_disclose=BASIC_SUBSCRIBER_INFO,
    authority=law.SUBPOENA,
    message=(
        "a subpoena compels basic subscriber information only:"
        " subscriber info, toll and session records"
    ),
    domestication="criminal",
    reimbursable=True,
)
COURT_ORDER_RULE = ProcessRule(
    code="scope_2703d",
    disposition=Disposition.PROCEED,
    may_disclose=NON_CONTENT,
    authority=law.COURT_ORDER_2703D,
    message=(
        "a §2703(d) order compels non-content records:"
        " basic subscriber information and detail records"
    ),
    domestication="criminal",
    reimbursable=True,
)
SEARCH_WARRANT_RULE = ProcessRule(
    code="scope_warrant",
    disposition=Disposition.PROCEED,
    may_disclose=ALL_CATEGORIES,
    authority=law.SEARCH_WARRANT,
    message="a search warrant compels every category, content and location included",
    domestication="criminal",
    reimbursable=True,
)
PEN_REGISTER_RULE = ProcessRule(
    code="manual_pen_register",
    disposition=Disposition.MANUAL,
    may_disclose=NOTHING,
    authority=law.PEN_REGISTER,
    message=(
        "a pen register / trap and trace order is prospective:"
        " legal implements it by hand, never the machine"
    ),
    legal_review=True,
    flags=(Flag.PROSPECTIVE,),
    notice_bar=(
        "a pen register order bars disclosing its existence",
        law.PEN_REGISTER_NON_DISCLOSURE,
    ),
    retrospective=False,
)
WIRETAP_RULE = ProcessRule(
    code="manual_wiretap",
    disposition=Disposition.MANUAL,
    may_disclose=NOTHING,
    authority=law.WIRETAP,
    message="a wiretap order is an interception: legal implements it by hand, never the machine",
    legal_review=True,
    flags=(Flag.PROSPECTIVE,),
    notice_bar=("the provider may not disclose an interception", law.WIRETAP_NON_DISCLOSURE),
    retrospective=False,
)
FISA_RULE = ProcessRule(
    code="manual_fisa",
    disposition=Disposition.MANUAL,
    may_disclose=NOTHING,
    authority=law.FISA,
    message=(
        "FISA process is national-security process: legal handles it by hand, never the machine"
    ),
    legal_review=True,
    flags=(Flag.NATIONAL_SECURITY,),
    notice_bar=("FISA orders are executed in secrecy", law.FISA_SECRECY),
    retrospective=False,
)
PRESERVATION_RULE = ProcessRule(
    code="scope_preservation",
    disposition=Disposition.PRESERVE,
    may_disclose=NOTHING,
    authority=law.PRESERVATION,
    message=(
        "a preservation request discloses nothing: the records are kept pending further process"
    ),
)
EMERGENCY_RULE = ProcessRule(
    code="scope_emergency",
    disposition=Disposition.PROCEED,
    may_disclose=ALL_CATEGORIES,
    authority=law.EMERGENCY_RECORDS,
    message=(
        "emergency disclosure is voluntary, on a good-faith belief that an emergency involving"
        " danger of death or serious physical injury requires it without delay"
    ),
    flags=(Flag.EMERGENCY,),
    notice_bar=("no customer notice of an emergency disclosure", law.POLICY_EMERGENCY_NOTICE),
)
NATIONAL_SECURITY_LETTER_RULE = ProcessRule(
    code="scope_nsl",
    disposition=Disposition.PROCEED,
    may_disclose=frozenset({DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS}),
    authority=law.NATIONAL_SECURITY_LETTER,
    message=_NSL_REACH[0],
    legal_review=True,
    flags=(Flag.NATIONAL_SECURITY,),
    notice_bar=("a national security letter bars disclosing it", law.NSL_NON_DISCLOSURE),
    denials={category: _NSL_REACH for category in DataCategory},
)
CIVIL_SUBPOENA_RULE = ProcessRule(
    code="scope_civil",
    disposition=Disposition.PROCEED,
    may_disclose=NON_CONTENT,
    authority=law.NON_CONTENT_TO_PRIVATE_PARTIES,
    message=(
        "a private party's subpoena may reach non-content records only,"
        " after customer notice and an objection window"
    ),
    flags=(Flag.CIVIL,),
    domestication="civil",
    denials={
        DataCategory.CONTENT: (
            "content is never disclosed to a private party, subpoena or not",
            law.NO_CONTENT_TO_PRIVATE_PARTIES,
        )
    },
)

# Rows chosen by who issued the process rather than by its type (see jurisdiction.py).
MLAT_RULE = ProcessRule(
    code="redirect_mlat",
    disposition=Disposition.REDIRECT,
    may_disclose=NOTHING,
    authority=law.MLAT,
    message=(
        "the provider does not comply directly with foreign process ({country}):"
        " the requesting state should proceed through a mutual legal assistance request"
    ),
    flags=(Flag.FOREIGN,),
    outcome=Outcome.REDIRECTED,
    redirect_to="MLAT via the U.S. Department of Justice, Office of International Affairs",
)
FOREIGN_PRIVATE_PARTY_RULE = ProcessRule(
    code="redirect_foreign_private_party",
    disposition=Disposition.REDIRECT,
    may_disclose=NOTHING,
    authority=law.FOREIGN_LITIGANT_ASSISTANCE,
    message=(
        "a foreign litigant ({country}) must obtain a U.S. court order: an application under"
        " 28 U.S.C. §1782 or letters of request under the Hague Evidence Convention"
    ),
    flags=(Flag.FOREIGN, Flag.CIVIL),
    outcome=Outcome.REDIRECTED,
    redirect_to="a U.S. district court under 28 U.S.C. §1782",
)
CLOUD_ACT_RULE = ProcessRule(
    code="cloud_act_agreement",
    disposition=Disposition.PROCEED,
    may_disclose=ALL_CATEGORIES,
    authority=law.CLOUD_ACT_AGREEMENT,
    message=(
        "{country} has a CLOUD Act executive agreement with the United States: legal confirms the"
        " order is covered (serious crime, no U.S. person or person in the U.S. targeted) before"
        " anything is disclosed under it"
    ),
    legal_review=True,
    flags=(Flag.FOREIGN, Flag.CLOUD_ACT),
)
FOREIGN_EMERGENCY_RULE = ProcessRule(
    code="manual_foreign_emergency",
    disposition=Disposition.MANUAL,
    may_disclose=NOTHING,
    authority=law.FOREIGN_GOVERNMENT_NON_CONTENT,
    message=(
        "a foreign government ({country}) is not a 'governmental entity' under the SCA: non-content"
        " may be disclosed voluntarily in an emergency, content only through an MLAT or a CLOUD Act"
        " agreement; legal decides"
    ),
    legal_review=True,
    flags=(Flag.FOREIGN, Flag.EMERGENCY),
    notice_bar=("no customer notice of an emergency disclosure", law.POLICY_EMERGENCY_NOTICE),
)
EU_ORDER_RULE = ProcessRule(
    code="manual_eu_order",
    disposition=Disposition.MANUAL,
    may_disclose=NOTHING,
    authority=law.EU_PRODUCTION_ORDERS,
    message=(
        "an order from {country} for data the EU subsidiary holds is for the subsidiary's"
        " designated establishment (European Production/Preservation Order, applying from"
        " 18 August 2026; before then, the subsidiary's national law): legal handles it"
    ),
    legal_review=True,
    flags=(Flag.FOREIGN, Flag.EU_DATA),
    notice_bar=(
        "the issuing authority, not the provider, informs the user",
        law.EU_USER_INFORMATION,
    ),
    eu_process=True,
)
PRIVATE_PARTY_MISUSE_RULE = ProcessRule(
    code="private_party_process",
    disposition=Disposition.REJECT,
    may_disclose=NOTHING,
    authority=law.GOVERNMENTAL_ENTITY,
    message=(
        "only a governmental entity may use a {process_type}; a private party may serve a civil"
        " subpoena for non-content records"
    ),
    outcome=Outcome.REJECTED,
)

PROCESS_RULES: Mapping[ProcessType, ProcessRule] = {
    ProcessType.SUBPOENA: SUBPOENA_RULE,
    ProcessType.GRAND_JURY_SUBPOENA: SUBPOENA_RULE,
    ProcessType.ADMINISTRATIVE_SUBPOENA: SUBPOENA_RULE,
    ProcessType.COURT_ORDER_2703D: COURT_ORDER_RULE,
    ProcessType.SEARCH_WARRANT: SEARCH_WARRANT_RULE,
    ProcessType.PEN_REGISTER_ORDER: PEN_REGISTER_RULE,
    ProcessType.WIRETAP_ORDER: WIRETAP_RULE,
    ProcessType.FISA_ORDER: FISA_RULE,
    ProcessType.PRESERVATION_REQUEST: PRESERVATION_RULE,
    ProcessType.EMERGENCY_REQUEST: EMERGENCY_RULE,
    ProcessType.NATIONAL_SECURITY_LETTER: NATIONAL_SECURITY_LETTER_RULE,
    ProcessType.CIVIL_SUBPOENA: CIVIL_SUBPOENA_RULE,
    ProcessType.FOREIGN_REQUEST: MLAT_RULE,
}


def route_by_rule(case: Case, draft: Draft) -> None:
    """Apply the governing row's disposition, flags and scope reason."""
    rule = case.rule
    draft.flag(*rule.flags)
    draft.legal_review |= rule.legal_review
    reason = draft.because(rule.code, _message(case), rule.authority)
    if rule.outcome is not None:
        draft.end(rule.disposition, reason, outcome=rule.outcome, redirect_to=rule.redirect_to)
        return
    draft.disposition = rule.disposition
    if rule.disposition is Disposition.PRESERVE:
        draft.preserved = _unique(case.process.categories)


def scope_categories(case: Case, draft: Draft) -> None:
    """Narrow what was asked to what the row may reach, saying why for each category refused."""
    rule = case.rule
    if draft.ended or draft.disposition is not Disposition.PROCEED:
        return
    for category in _unique(case.process.categories):
        if category in rule.may_disclose:
            draft.allowed.append(category)
            continue
        draft.denied.append(category)
        why, authority = rule.denials.get(category) or NEEDS_STRONGER_PROCESS[category]
        draft.because(f"narrowed_{category.value}", why, authority)
    if draft.denied:
        draft.flag(Flag.NARROWED)
    if not draft.allowed:
        reason = draft.because(
            "insufficient_process",
            f"a {case.process.process_type.value} cannot reach anything the request asks for",
            rule.authority,
        )
        draft.end(Disposition.REJECT, reason, outcome=Outcome.REJECTED)
        return
    if DataCategory.CONTENT in draft.allowed:
        draft.flag(Flag.CONTENT)
    if DataCategory.LOCATION in draft.allowed:
        draft.flag(Flag.LOCATION)


def _message(case: Case) -> str:
    process = case.process
    return case.rule.message.format(
        process_type=process.process_type.value.replace("_", " "),
        country=process.jurisdiction,
    )


def _unique(categories: list[DataCategory]) -> list[DataCategory]:
    return list(dict.fromkeys(categories))
