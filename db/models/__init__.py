"""All models, one per module; importing this package registers every table on Base.metadata."""

from db.models.application import Application
from db.models.attachment import Attachment
from db.models.audit_event import AuditEvent
from db.models.broadcast import Broadcast
from db.models.budget_allocation import BudgetAllocation
from db.models.chat_identity import ChatIdentity
from db.models.delivery import Delivery
from db.models.finding import Finding
from db.models.household import Household
from db.models.import_batch import ImportBatch
from db.models.key_check import KeyCheck
from db.models.monitoring_employment import MonitoringEmployment
from db.models.notice import Notice
from db.models.notice_item import NoticeItem
from db.models.notification import Notification, NotificationStatus
from db.models.objection import Objection
from db.models.one_time_code import OneTimeCode
from db.models.person import Person
from db.models.region import Region
from db.models.reminder import Reminder
from db.models.roster_batch import RosterBatch, RosterStatus
from db.models.satisfaction import Satisfaction
from db.models.staff import Staff
from db.models.staff_invite import StaffInvite
from db.models.tell_in_person import TellInPerson
from db.models.web_session import WebSession
from db.models.wechat_inbox import WechatInbox

__all__ = [
    "Application",
    "Attachment",
    "AuditEvent",
    "Broadcast",
    "BudgetAllocation",
    "ChatIdentity",
    "Delivery",
    "Finding",
    "Household",
    "ImportBatch",
    "KeyCheck",
    "MonitoringEmployment",
    "Notice",
    "NoticeItem",
    "Notification",
    "NotificationStatus",
    "Objection",
    "OneTimeCode",
    "Person",
    "Region",
    "Reminder",
    "RosterBatch",
    "RosterStatus",
    "Satisfaction",
    "Staff",
    "StaffInvite",
    "TellInPerson",
    "WebSession",
    "WechatInbox",
]
