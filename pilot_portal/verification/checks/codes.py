"""Every finding code a verification run can record: its severity, a title and what to fix in
Chinese and English, the kind of record it points to, and the rule as this portal reads it.

A code never changes meaning once runs have recorded it (runs are kept for auditors): a new rule
is a new code.
"""

from dataclasses import dataclass

ENTERPRISE = "enterprises.enterprise"
APPLICATION = "enterprises.application"
PROJECT = "enterprises.project"
INVESTMENT = "enterprises.investmentline"
ASSESSMENT = "assessments.assessment"
CLAIM = "subsidies.subsidyclaim"


@dataclass(frozen=True)
class CodeInfo:
    severity: str  # "error" | "warning" | "info"
    title_zh: str
    title_en: str
    fix_zh: str  # what to fix, shown beside each finding
    fix_en: str
    object_type: str  # the record a finding points to (app_label.model)
    rule: str  # the check as implemented, for officials and auditors (English)


def _c(severity, object_type, title, fix, rule) -> CodeInfo:
    return CodeInfo(severity, title[0], title[1], fix[0], fix[1], object_type, rule)


CODES: dict[str, CodeInfo] = {
    # -- the registry: credit codes, exclusion lists, district and sector ---------------------
    "uscc_malformed": _c(
        "error", ENTERPRISE,
        ("统一社会信用代码格式错误", "Malformed credit code"),
        ("按营业执照更正统一社会信用代码", "Correct the code from the business licence"),
        "The code is not 18 characters of the GB 32100-2015 alphabet (after normalising).",
    ),
    "uscc_check_digit": _c(
        "error", ENTERPRISE,
        ("统一社会信用代码校验位错误", "Wrong credit code check character"),
        ("按营业执照更正统一社会信用代码", "Correct the code from the business licence"),
        "The 18th character is not the check character computed from the first 17 "
        "(weights and modulus 31, pilot_portal.identifiers).",
    ),
    "uscc_duplicate_in_city": _c(
        "error", ENTERPRISE,
        ("本市重复登记的统一社会信用代码", "Credit code registered twice in the city"),
        ("合并重复的企业记录", "Merge the duplicate enterprise records"),
        "Two enterprises of the city have the same code once normalised (spaces removed, upper "
        "case); reported on the record whose stored code is not in normal form.",
    ),
    "uscc_duplicate_other_city": _c(
        "error", ENTERPRISE,
        ("同一企业在两个城市获得支持", "The same enterprise supported in two cities"),
        ("与另一城市核实，撤销其中一处的入选", "Settle it with the other city; withdraw one"),
        "The code is registered in another city and the enterprise has an approved application "
        "of a subsidy-bearing batch in both cities.",
    ),
    "uscc_registered_other_city": _c(
        "warning", ENTERPRISE,
        ("统一社会信用代码也在其他城市登记", "Credit code also registered in another city"),
        ("核实企业所属城市", "Check which city the enterprise belongs to"),
        "The code is registered in another city (an enterprise belongs to exactly one), without "
        "being supported in both.",
    ),
    "exclusion_central_little_giant": _c(
        "error", APPLICATION,
        ("已获中央资金支持的小巨人企业入选或获补助", "Centrally funded little giant supported"),
        ("撤销入选或补录通过理由", "Withdraw the approval or record the override"),
        "The enterprise is flagged as a little giant funded by the central SME fund and has an "
        "approved application of a subsidy-bearing batch without an override reason, or a "
        "granted claim (approved or paid) while no approved application records an override.",
    ),
    "exclusion_pilot_2022": _c(
        "error", APPLICATION,
        ("已纳入2022年试点的企业入选或获补助", "Enterprise of the 2022 pilot supported"),
        ("撤销入选或补录通过理由", "Withdraw the approval or record the override"),
        "As exclusion_central_little_giant, for the 2022 transformation pilot flag.",
    ),
    "exclusion_blacklisted": _c(
        "error", APPLICATION,
        ("失信企业入选或获补助", "Blacklisted enterprise supported"),
        ("撤销入选或补录通过理由", "Withdraw the approval or record the override"),
        "As exclusion_central_little_giant, for an enterprise blacklisted until today or later.",
    ),
    "exclusion_overridden": _c(
        "info", APPLICATION,
        ("排除名单企业经记录的理由通过", "Excluded enterprise approved with a recorded override"),
        ("无需处理；抽查时核对理由", "Nothing to fix; check the reason on inspection"),
        "The enterprise is flagged (little giant, 2022 pilot or blacklist) and its approved "
        "application carries an override reason, recorded by the approve step and the audit log.",
    ),
    "exclusion_override_unrecorded": _c(
        "warning", APPLICATION,
        ("通过理由未经审批流程记录", "Override reason not recorded by the approval"),
        ("通过审批流程重新核定并记录理由", "Approve again through the workflow to record it"),
        "The application carries an override reason but has no approve step in its history or "
        "no 'application.approve' entry in the audit log.",
    ),
    "exclusion_list_unflagged": _c(
        "warning", ENTERPRISE,
        ("在排除名单上但未标记", "On an exclusion list but not flagged"),
        ("核实名单并设置排除标记", "Check the list and set the exclusion flag"),
        "A national entry, or one of this city, of the centrally funded little-giant list or "
        "the 2022 pilot list names the code while the enterprise's flag is not set.",
    ),
    "srdi_list_mismatch": _c(
        "warning", ENTERPRISE,
        ("专精特新等级与官方名单不一致", "SRDI status inconsistent with the official list"),
        ("将专精特新等级更正为国家级小巨人", "Set the SRDI status to national little giant"),
        "The enterprise is on the centrally funded little-giant list (or flagged as such) while "
        "its SRDI status is not 'little giant'. The only official lists imported are the two "
        "exclusion lists; no official list of above-size enterprises exists in the portal, so "
        "size is not checked.",
    ),
    "district_missing": _c(
        "warning", ENTERPRISE,
        ("未填写所属区县", "No district"),
        ("填写企业所属区县", "Set the enterprise's district"),
        "The enterprise has no district: no district officer can review it.",
    ),
    "district_other_city": _c(
        "error", ENTERPRISE,
        ("所属区县不属于本市", "District of another city"),
        ("改为本市的区县", "Set a district of this city"),
        "The enterprise's district belongs to another city.",
    ),
    "sector_missing": _c(
        "warning", ENTERPRISE,
        ("未填写细分行业", "No sector"),
        ("填写本市试点细分行业", "Set one of the city's pilot sectors"),
        "The enterprise has no sector (the pilot covers the city's chosen sub-industries).",
    ),
    "sector_other_city": _c(
        "error", ENTERPRISE,
        ("细分行业不是本市试点行业", "Sector of another city"),
        ("改为本市的试点细分行业", "Set one of the city's pilot sectors"),
        "The enterprise's sector is one chosen by another city.",
    ),
    # -- enrolment -----------------------------------------------------------------------------
    "application_review_incomplete": _c(
        "error", APPLICATION,
        ("申报未经区县初审和市级复核", "Application not approved through both reviews"),
        ("按流程补做初审和复核", "Take it through the district and city reviews"),
        "An approved application whose history lacks a district-approve step by a district "
        "officer followed by the approve step of the city administrator.",
    ),
    "not_enrolled": _c(
        "error", PROJECT,
        ("无通过的申报却有项目或补助", "Project or claim without an approved application"),
        ("核实入选情况，撤销项目或补助", "Check the enrolment; withdraw the project or claim"),
        "The enterprise has a transformation project or a live subsidy claim but no approved "
        "application.",
    ),
    "documents_missing": _c(
        "error", APPLICATION,
        ("申报材料不全", "Required documents missing"),
        ("在企业档案中补传材料", "Upload the documents to the enterprise file"),
        "An approved application needs, in the enterprise file (一企一档): a business licence; "
        "an application form attached to it (or to no application); a signed declaration "
        "(a document, or both declarations confirmed on the application).",
    ),
    # -- projects and assessments --------------------------------------------------------------
    "diagnosis_missing": _c(
        "error", PROJECT,
        ("项目开工前没有诊断", "No diagnosis for a started project"),
        ("完成并锁定诊断评测", "Carry out and lock the diagnosis"),
        "A project that has started (its start step; without one, its planned start) while the "
        "enterprise has no locked diagnosis (of this project or of none).",
    ),
    "diagnosis_after_start": _c(
        "error", PROJECT,
        ("诊断晚于项目开工", "Diagnosis after the project started"),
        ("核实开工日期与诊断时间", "Check the start date and the diagnosis"),
        "The enterprise's first locked diagnosis was locked after the project started.",
    ),
    "acceptance_not_locked": _c(
        "error", PROJECT,
        ("验收评测未锁定", "Acceptance assessment not locked"),
        ("锁定验收评测，或撤回验收/补助", "Lock the acceptance, or withdraw acceptance/claim"),
        "An accepted project without a locked acceptance assessment, or a transformation claim "
        "whose acceptance assessment is missing or not locked.",
    ),
    "acceptance_before_completion": _c(
        "error", ASSESSMENT,
        ("验收早于项目完工", "Acceptance locked before completion"),
        ("修订验收评测", "Revise the acceptance assessment"),
        "A locked acceptance assessment locked before the project's completion step, or of a "
        "project that has not been completed.",
    ),
    "acceptance_same_assessor": _c(
        "warning", ASSESSMENT,
        ("验收与诊断为同一评测人员", "Acceptance by the diagnosis's assessor"),
        ("核实验收的独立性，必要时改派", "Check independence; reassign if needed"),
        "The locked acceptance's assessor also did a locked diagnosis of the enterprise. The "
        "seed rules ask for a third party to accept (002 第十条, 004 task 25) without forbidding "
        "the diagnosing one, so this is a warning to review, not an error.",
    ),
    "acceptance_level_below_2": _c(
        "error", CLAIM,
        ("验收未达二级却获改造补助", "Transformation subsidy below level 2"),
        ("撤销补助或修订验收评测", "Void the claim or revise the acceptance"),
        "An approved or paid transformation claim while the project's latest locked acceptance "
        "level is below 2 (or has no level).",
    ),
    "provider_not_pooled": _c(
        "error", PROJECT,
        ("开工时服务商不在本市资源池", "Provider not in the city's pool at the start"),
        ("核实服务商资格，必要时变更服务商", "Check the provider; change it if needed"),
        "When the project started (or when a recorded change made it the project's provider) "
        "the provider's selection in this city was not 'selected' (applied, suspended, "
        "removed…, or none). The status at a time is read from the selection steps; a selection "
        "with no recorded step is taken at its current status.",
    ),
    "conflict_of_interest": _c(
        "error", ASSESSMENT,
        ("验收评测人员与服务商存在关联", "Acceptance assessor linked to the provider"),
        ("改派无关联的评测机构重新验收", "Have an unrelated assessor accept again"),
        "The locked acceptance's assessor is staff of the project's provider (its profile's "
        "staff), holds a provider role for it, or declared a conflict of interest with it.",
    ),
    "investment_unevidenced": _c(
        "error", INVESTMENT,
        ("投资明细无凭证", "Investment line without evidence"),
        ("补传发票或凭证", "Attach the invoice or evidence"),
        "An eligible (software, cloud, data devices, consulting) positive line, not a "
        "correction, with neither an evidence document nor an invoice number.",
    ),
    "invoice_duplicate": _c(
        "error", INVESTMENT,
        ("同一发票在两个项目中申报", "The same invoice claimed in two projects"),
        ("核实发票，删除重复申报的明细", "Check the invoice; correct the duplicate line"),
        "Another project, of this city or another, has a line with the same invoice number and "
        "issuer (spaces removed, case ignored; a blank issuer matches a blank one; other "
        "projects are searched by the number as stored here and in normal form), and neither "
        "project's lines for it net to zero or less. A project of another city is named by its "
        "city and id only.",
    ),
    # -- subsidies -----------------------------------------------------------------------------
    "claim_amount_mismatch": _c(
        "error", CLAIM,
        ("核定金额与重新核算不一致", "Approved amount differs from a recomputation"),
        ("核实依据，必要时撤销并重新核算", "Check the facts; void and recompute if needed"),
        "An approved or paid claim's approved amount differs from a fresh computation, with "
        "today's facts (level, investment, inputs, exclusion flags, what others were granted), "
        "under the rulebook version it was approved under. (Grants never exceed what a cap "
        "leaves, so a later grant to others does not change an earlier claim's figure.)",
    ),
    "claim_recompute_due": _c(
        "warning", CLAIM,
        ("待核定金额已过时", "Computed amount out of date"),
        ("重新核算后再核定", "Recompute before approving"),
        "A claim not yet approved whose computed amount differs from a fresh computation under "
        "the rulebook in force today (or that has no computation).",
    ),
    "cap_exceeded": _c(
        "error", CLAIM,
        ("超过补助上限", "Cap exceeded"),
        ("核实并追回超出部分", "Check and claw back the excess"),
        "What the enterprise was granted under one rule line (approved less clawed back, per "
        "year for loan interest) exceeds the line's cap in the rulebook the claims were approved "
        "under (rate by level: the cap of the band of the acceptance level).",
    ),
    "payment_exceeds_approved": _c(
        "error", CLAIM,
        ("拨付超过核定金额", "Paid above the approved amount"),
        ("追回超付部分", "Claw back the overpayment"),
        "The claim's paid amount, or the payments and offsets of its ledger, exceed its "
        "approved amount.",
    ),
    "ledger_mismatch": _c(
        "error", CLAIM,
        ("拨付台账与已付金额不符", "Ledger disagrees with the paid amount"),
        ("核对拨付台账", "Reconcile the ledger"),
        "The payments and offsets in the claim's ledger do not add up to its paid amount.",
    ),
}  # fmt: skip
