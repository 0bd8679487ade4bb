"""The one table of what each staff role may do.

Every page and API endpoint asks :func:`can` (through the mixins and permission classes in
:mod:`shouwen.access.permissions`); nothing else decides what a role may do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Cap:
    """Capability codes: one per thing a role may be allowed to do."""

    DIRECTORY_VIEW = "directory.view"  # see estates, buildings, units, residents (personal data masked)
    DIRECTORY_EDIT = "directory.edit"  # add and change units, residents, occupancies
    DIRECTORY_IMPORT = "directory.import"  # import an Excel file of buildings, units and residents
    DIRECTORY_EXPORT = "directory.export"  # export the same data to Excel
    PERSONAL_REVEAL = "personal.reveal"  # reveal a full phone or ID number (logged)
    ACCESS_LOG_VIEW = "accesslog.view"  # read the personal-data access log
    DIRECTORY_HISTORY = (
        "directory.history"  # read who changed residents, phones, units and occupancies, and how
    )
    STAFF_VIEW = "staff.view"  # see the staff list of the estates served
    STAFF_MANAGE = "staff.manage"  # add staff, change roles and estates
    ADMIN_SITE = "admin.site"  # use the Django admin
    CASE_VIEW = "case.view"  # see the cases and contacts of the estates served
    CASE_REGISTER = "case.register"  # register a contact (every department's staff can be the first contact)
    CASE_SUPERVISE = "case.supervise"  # reassign, void, override missing documents
    WORKORDER_VIEW = "workorder.view"  # see the work orders of the estates served
    WORKORDER_MANAGE = "workorder.manage"  # open, assign, cancel, rework and re-inspect work orders
    # A technician's own steps on the orders they are sent to (accept, on the way, arrive … signature,
    # payment), and on night duty the morning order of a call they registered themselves.
    WORKORDER_WORK = "workorder.work"
    FOLLOWUP_VISIT = "followup.visit"  # work the return-visit queue and record residents' satisfaction
    REPORTS_VIEW = (
        "reports.view"  # monthly statistics, rates, dashboards and their exports (of the estates served)
    )
    ASSESSMENT_ENTER = "assessment.enter"  # enter a department's quarterly self-check and inspection scores
    # Walk the estate's checkpoints and hand in the daily patrol report 巡视日报表 (000 篇2 九 2; 001 客服管理员 四).
    PATROL_REPORT = "patrol.report"
    # The morning review of yesterday's repairs and complaints (000 篇2 九 1) and reading the patrol reports.
    ROUNDS_REVIEW = "rounds.review"
    # Read the duty roster and who is on duty; hand over and take over one's own shift (交接班), keep the
    # night log (001 值班制度, 交接班制度).
    DUTY_VIEW = "duty.view"
    DUTY_MANAGE = "duty.manage"  # edit the roster of a week, the shifts' times and the equipment checklist
    HOMEVISIT_WORK = "homevisit.work"  # see one's home-visit plan (走访计划) and record home visits
    HOMEVISIT_MANAGE = "homevisit.manage"  # assign visit areas and read every assistant's coverage
    WECHAT_VIEW = (
        "wechat.view"  # the official accounts' followers, openids masked (the configuration: ADMIN_SITE)
    )
    SUMMARY_WRITE = "summary.write"  # edit and submit the estate's monthly summary and next month's plan
    # Read the estate's notices (通知公告) with their read counts, to answer residents who ask about one.
    NOTICE_VIEW = "notice.view"
    # Draft and edit notices, attach files, record the bulletin board's renewal (001 客服管理员 五、六).
    NOTICE_WRITE = "notice.write"
    # Publish and withdraw notices, with their text messages (001 客服主管 九: 社区宣传工作).
    NOTICE_PUBLISH = "notice.publish"
    # The yearly opinion survey 业主意见征询表 (001 走回访 (2)): define the questionnaire and start rounds;
    # enter paper forms and register comments that ask for action as cases; read the results.
    SURVEY_MANAGE = "survey.manage"
    SURVEY_ENTER = "survey.enter"
    SURVEY_RESULTS = "survey.results"


@dataclass(frozen=True)
class Role:
    """A staff role: code, label, whether it sees every estate, and its capabilities."""

    code: str
    label: Promise
    company_wide: bool
    caps: frozenset[str]


_ALL_VIEW = {
    Cap.DIRECTORY_VIEW,
    Cap.STAFF_VIEW,
    Cap.CASE_VIEW,
    Cap.CASE_REGISTER,
    Cap.WORKORDER_VIEW,
    Cap.DUTY_VIEW,  # everyone reads the roster; at least one person is always on duty (001 值班制度 六)
}
_DESK = _ALL_VIEW | {Cap.PERSONAL_REVEAL, Cap.NOTICE_VIEW}
# The service desk opens work orders (001 报修接待 ②③); the finance clerk only reads them.
_DISPATCH = _DESK | {Cap.WORKORDER_MANAGE}
_MANAGE = _DISPATCH | {
    Cap.DIRECTORY_EDIT,
    Cap.DIRECTORY_IMPORT,
    Cap.DIRECTORY_EXPORT,
    Cap.ACCESS_LOG_VIEW,
    Cap.DIRECTORY_HISTORY,
    Cap.CASE_SUPERVISE,
    Cap.FOLLOWUP_VISIT,
    Cap.REPORTS_VIEW,
    Cap.PATROL_REPORT,
    Cap.ROUNDS_REVIEW,
    Cap.DUTY_MANAGE,
    Cap.HOMEVISIT_WORK,
    Cap.HOMEVISIT_MANAGE,
    Cap.SUMMARY_WRITE,
    Cap.WECHAT_VIEW,
    Cap.NOTICE_WRITE,
    Cap.NOTICE_PUBLISH,
    Cap.SURVEY_MANAGE,
    Cap.SURVEY_ENTER,
    Cap.SURVEY_RESULTS,
}

ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        # Return visits are the service centre's work (001 走回访), not the fee clerk's, who shares _DESK.
        Role(
            "front_desk",
            _("前台文员"),
            False,
            frozenset(_DISPATCH | {Cap.FOLLOWUP_VISIT, Cap.NOTICE_WRITE, Cap.SURVEY_ENTER}),
        ),
        Role(
            "cs_assistant",
            _("客服助理"),
            False,
            # The assistant patrols (001 客服管理员 四) and visits the households of an area, 4–5 a day
            # (000 篇2 九 3).
            frozenset(
                _DISPATCH
                | {
                    Cap.DIRECTORY_EDIT,
                    Cap.FOLLOWUP_VISIT,
                    Cap.PATROL_REPORT,
                    Cap.HOMEVISIT_WORK,
                    Cap.NOTICE_WRITE,  # drafts notices and keeps the board (001 客服管理员 五、六)
                    Cap.SURVEY_ENTER,
                }
            ),
        ),
        Role("cs_supervisor", _("客服主管"), False, frozenset(_MANAGE)),
        Role(
            "office_director",
            _("管理处主任"),
            False,
            frozenset(_MANAGE | {Cap.STAFF_MANAGE, Cap.ASSESSMENT_ENTER}),
        ),
        Role("deputy_gm", _("主管副总经理"), True, frozenset(_MANAGE | {Cap.ASSESSMENT_ENTER})),
        Role("technician", _("维修技术员"), False, frozenset(_ALL_VIEW | {Cap.WORKORDER_WORK})),
        Role("security", _("安护员"), False, frozenset(_ALL_VIEW)),
        Role("cleaning", _("保洁员"), False, frozenset(_ALL_VIEW)),
        # The fee clerks hand out and collect the survey forms while collecting fees (003 模板4 八).
        Role("finance_clerk", _("财务收费员"), False, frozenset(_DESK | {Cap.SURVEY_ENTER})),
        Role(
            "admin",
            _("系统管理员"),
            True,
            frozenset(_MANAGE | {Cap.STAFF_MANAGE, Cap.ADMIN_SITE, Cap.ASSESSMENT_ENTER}),
        ),
    )
}

ROLE_CHOICES = [(r.code, r.label) for r in ROLES.values()]
