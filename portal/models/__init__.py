"""Typed SQLAlchemy models, one module per domain. Importing this package registers them all."""
from portal.models.base import Base, TimestampMixin, utcnow
from portal.models.catalog import (
    Agency,
    AgencyLevel,
    ApplicantType,
    Channel,
    DossierComponent,
    FeeItem,
    FeeKind,
    Field,
    FormFile,
    LegalBasis,
    OnlineLevel,
    Procedure,
    ProcedureApplicant,
    ProcedureChannel,
    ProcedureStep,
    TimeUnit,
)
from portal.models.reference import AdminUnit, CodeEntry, CodeList, UnitLevel
from portal.models.content import ContentStatus, Faq, Guide, Notice, NoticeKind, Official
from portal.models.search import SearchDocument, SearchKind
from portal.models.state import SiteState
from portal.models.calendar import CalendarException, DayKind
from portal.models.accounts import (
    AuditEvent,
    LoginThrottle,
    MessageChannel,
    OutboundMessage,
    PendingForm,
    PhoneCode,
    Profile,
    Role,
    User,
    UserRole,
)
from portal.models.forms import Draft, FormSpec
from portal.models.dossiers import (
    Attachment,
    Dossier,
    DossierEvent,
    DossierMessage,
    DossierSequence,
    DossierStatus,
    DossierVersion,
    SupplementRequest,
)
from portal.models.jobs import Job, JobStatus
from portal.models.backoffice import Consultation, DossierResult, Extension, FeeRequest
from portal.models.editorial import Revision, SiteSetting
from portal.models.engagement import (
    PageView,
    Petition,
    PetitionChannel,
    PetitionStatus,
    Question,
    Rating,
    RatingLevel,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)
