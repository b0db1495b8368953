"""The citations the decision engine gives in its reasons, written once.

Reviewers read these, and agencies see them in refusal letters: keep them in the form a
lawyer would write them. Where a choice is the provider's own rather than the law's, the
citation says "Writ policy" so nobody mistakes policy for statute.
"""

# Stored Communications Act, 18 U.S.C. ch. 121
SUBPOENA = "18 U.S.C. §2703(c)(2)"
COURT_ORDER_2703D = "18 U.S.C. §2703(c)(1)(B), (d)"
SEARCH_WARRANT = "18 U.S.C. §2703(a), (b)(1)(A), (c)(1)(A)"
CONTENT_NEEDS_WARRANT = "18 U.S.C. §2703(a), (b)(1)(A)"
RECORDS_NEED_2703D = "18 U.S.C. §2703(c)(1), (d)"
OWN_CUSTOMERS_ONLY = "18 U.S.C. §2703(c)(1)"
PRESERVATION = "18 U.S.C. §2703(f)"
NON_DISCLOSURE_ORDER = "18 U.S.C. §2705(b)"
REIMBURSEMENT = "18 U.S.C. §2706(a)"
REIMBURSEMENT_EXEMPTION = "18 U.S.C. §2706(c)"
EMERGENCY_RECORDS = "18 U.S.C. §2702(c)(4)"
EMERGENCY_CONTENT = "18 U.S.C. §2702(b)(8)"
NO_CONTENT_TO_PRIVATE_PARTIES = "18 U.S.C. §2702(a)"
NON_CONTENT_TO_PRIVATE_PARTIES = "18 U.S.C. §2702(c)(6)"
GOVERNMENTAL_ENTITY = "18 U.S.C. §2711(4)"
FOREIGN_GOVERNMENT_NON_CONTENT = "18 U.S.C. §2702(c)(6), §2711(4)"
NATIONAL_SECURITY_LETTER = "18 U.S.C. §2709(a), (b)(1)"
NSL_NON_DISCLOSURE = "18 U.S.C. §2709(c)"

# Prospective surveillance and national security
PEN_REGISTER = "18 U.S.C. §3123"
PEN_REGISTER_NON_DISCLOSURE = "18 U.S.C. §3123(d)"
EMERGENCY_PEN_REGISTER = "18 U.S.C. §3125"
WIRETAP = "18 U.S.C. §2518 (Title III)"
WIRETAP_NON_DISCLOSURE = "18 U.S.C. §2511(2)(a)(ii)"
FISA = "50 U.S.C. §1801 et seq. (FISA)"
FISA_SECRECY = "50 U.S.C. §1805(c)(2)(B), §1861(d)"
STORED_RECORDS_ONLY = "18 U.S.C. §2703 (stored records); prospective: 18 U.S.C. §3123, §2518"

# Constitution and rules
LOCATION_NEEDS_WARRANT = "Carpenter v. United States, 585 U.S. 296 (2018)"
WARRANT_EXECUTION = "Fed. R. Crim. P. 41(e)(2)(A)(i)"

# Cross-border
MLAT = "18 U.S.C. §3512; mutual legal assistance treaty (MLAT)"
CLOUD_ACT_AGREEMENT = "18 U.S.C. §2523; §2702(b)(9), (c)(7)"
GDPR_THIRD_COUNTRY_ORDERS = "GDPR Art. 48"
GDPR_VITAL_INTERESTS = "GDPR Art. 48; Art. 49(1)(f)"
EU_PRODUCTION_ORDERS = "Regulation (EU) 2023/1543"
EU_USER_INFORMATION = "Regulation (EU) 2023/1543 Art. 13"
FOREIGN_LITIGANT_ASSISTANCE = "28 U.S.C. §1782; Hague Evidence Convention"

# Between the states
UIDDA = "Uniform Interstate Depositions and Discovery Act (UIDDA)"
UNIFORM_CRIMINAL_ACT = (
    "Uniform Act to Secure the Attendance of Witnesses from Without a State in Criminal Proceedings"
)

# The provider's own choices
POLICY_DATE_RANGE = "Writ policy: date-range sanity (docs/legal-rules.md)"
POLICY_OVERBREADTH = (
    "Writ policy: overbreadth limit; cf. Fed. R. Crim. P. 17(c)(2), Fed. R. Civ. P. 45(d)(3)(A)(iv)"
)
POLICY_VERIFICATION = "Writ policy: requester verification (docs/legal-rules.md)"
POLICY_DUPLICATES = "Writ policy: duplicates are linked, not processed twice (docs/legal-rules.md)"
POLICY_FOUR_EYES = (
    "Writ policy: two approvers for content and emergency disclosure (docs/legal-rules.md)"
)
POLICY_CIVIL_NOTICE = (
    "Fed. R. Civ. P. 45(d)(3) (motion to quash); Writ policy: customer notice first"
)
POLICY_EMERGENCY_NOTICE = "Writ policy: no customer notice of emergency disclosures"
POLICY_STATE_PROCESS = "Writ policy: out-of-state process table"
POLICY_AUTO_APPROVAL = "Writ policy: auto-approval class (docs/legal-rules.md)"
POLICY_REFUSAL_REVIEW = "Writ policy: no refusal is final without a person (docs/legal-rules.md)"
POLICY_EMERGENCY_FOLLOW_UP = (
    "Writ policy: follow-up legal process after an emergency disclosure (provider practice,"
    " not a statute; docs/legal-rules.md)"
)
