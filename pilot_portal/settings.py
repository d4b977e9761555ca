"""Settings for the pilot portal, read from the environment through one `env` object.

With no environment at all the portal runs on its embedded default: SQLite under
`var/`, Celery tasks run eagerly in-process, local-memory cache, console e-mail.
With `DATABASE_URL` and `REDIS_URL` it runs as in production.
"""

import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from pilot_portal.envcheck import read_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEV_SECRET_KEY = "dev-insecure-key-only-for-the-embedded-default"  # noqa: S105

DEBUG = read_env(env.bool, "DEBUG", default=True)
SECRET_KEY = read_env(env.str, "SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY: 生产模式（DEBUG=false）需要至少 50 个字符的真实密钥 / "
        "production mode (DEBUG=false) needs a real SECRET_KEY of at least 50 characters"
    )

ALLOWED_HOSTS = read_env(
    env.list, "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = read_env(env.list, "CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = BASE_DIR / "var"
# The seed cities' facts live in the shared data folder beside the repository.
SEED_DATA_DIR = Path(
    read_env(env.str, "SEED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data"))
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "pilot_portal.tenancy",
    "pilot_portal.audit",
    "pilot_portal.documents",
    "pilot_portal.jobs",
    "pilot_portal.accounts",
    "pilot_portal.reporting",
    "pilot_portal.verification",
    "pilot_portal.demo",
    "providers",
    "enterprises",
    "assessments",
    "subsidies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pilot_portal.tenancy.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pilot_portal.urls"
WSGI_APPLICATION = "pilot_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pilot_portal.tenancy.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": read_env(env.db_url, "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
# Persistent connections: a new PostgreSQL backend per request costs more than the request.
DATABASES["default"]["CONN_MAX_AGE"] = read_env(env.int, "CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT spent ~0.8 s compiling the monitoring page's query at 50,000 projects
    # for a query that runs in 0.13 s: short web queries never win it back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = read_env(env.str, "REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_CONFIG = read_env(env.email_url, "EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = read_env(
    env.str, "DEFAULT_FROM_EMAIL", default="试点通 <noreply@pilot-portal.local>"
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed-login throttling: five failures for one username from one address
# lock that pair out for a quarter of an hour.
AXES_FAILURE_LIMIT = read_env(env.int, "AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pilot_portal.accounts.views.locked_out"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# In development static files come from the finders; collectstatic fills STATIC_ROOT for production.
warnings.filterwarnings("ignore", message="No directory at")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(read_env(env.str, "MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads beyond this are refused by the documents service (bytes).
MAX_UPLOAD_SIZE = read_env(env.int, "MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pilot_portal.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "pilot_portal.api.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "pilot_portal.api.errors.portal_exception_handler",
}
TOKEN_TTL_HOURS = read_env(env.int, "TOKEN_TTL_HOURS", default=24 * 7)

SPECTACULAR_SETTINGS = {
    "TITLE": "试点通 Pilot Portal API",
    "DESCRIPTION": "中小企业数字化转型城市试点 — SME digital-transformation city pilots.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "enterprises.models.ApplicationStatus",
        "JobStatusEnum": "pilot_portal.jobs.models.JobStatus",
        "DocumentKindEnum": "enterprises.models.DocumentKind",
        "ChangeKindEnum": "enterprises.models.ChangeKind",
        "ChangeStatusEnum": "enterprises.models.ChangeStatus",
        "ProviderKindEnum": "providers.models.ProviderKind",
        "SelectionStatusEnum": "providers.models.SelectionStatus",
        "ProductStatusEnum": "providers.models.ProductStatus",
        "ScenarioEnum": "providers.models.Scenario",
        "DeploymentEnum": "providers.models.Deployment",
        "EvaluationOutcomeEnum": "providers.models.EvaluationOutcome",
        "SelectionDocumentKindEnum": "providers.models.SelectionDocument.Kind",
        "DemandSourceEnum": "enterprises.models.Demand.Source",
        "ProjectStatusEnum": "enterprises.projects.models.ProjectStatus",
        "InvestmentCategoryEnum": "enterprises.projects.models.InvestmentCategory",
        "AssessmentKindEnum": "assessments.models.AssessmentKind",
        "AssessmentStatusEnum": "assessments.models.AssessmentStatus",
        "QuestionKindEnum": "assessments.models.QuestionKind",
        "SubsidyClaimStatusEnum": "subsidies.models.ClaimStatus",
        "LedgerKindEnum": "subsidies.models.LedgerKind",
        "ObjectionStatusEnum": "subsidies.models.ObjectionStatus",
        "VerificationRunStatusEnum": "pilot_portal.verification.models.RunStatus",
        "FindingSeverityEnum": "pilot_portal.verification.models.Severity",
        "InspectionOutcomeEnum": "pilot_portal.verification.models.InspectionOutcome",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pilot_portal.api.schema.add_error_responses",
    ],
}

# Celery: a Redis broker and result store when REDIS_URL is set, eager otherwise.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_IMPORTS = ("enterprises.projects.tasks",)  # autodiscovery finds only <app>.tasks
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-jobs": {
        "task": "pilot_portal.jobs.tasks.requeue_stale_jobs",
        "schedule": 15 * 60.0,
    },
    # Milestones due within a week, and overdue ones: each reminded once (CELERY_TIMEZONE).
    "milestone-reminders": {
        "task": "enterprises.projects.tasks.send_milestone_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Batch verification of every city, each night (issue 8).
    "verification-nightly": {
        "task": "pilot_portal.verification.tasks.verify_all_cities_nightly",
        "schedule": crontab(hour=2, minute=0),
    },
}
# A worker killed outright leaves its messages unacknowledged; Redis hands them to another
# worker only after this many seconds (kombu's default is 3600). Must exceed any task's run time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": read_env(env.int, "CELERY_VISIBILITY_TIMEOUT", default=900)
}
# Enterprises per verification task: a run is split into chunks processed in parallel.
VERIFICATION_CHUNK_SIZE = read_env(env.int, "VERIFICATION_CHUNK_SIZE", default=200)

DEMO_PASSWORD = read_env(env.str, "DEMO_PASSWORD", default="Pilot-Demo-2026")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = read_env(env.bool, "SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = read_env(env.int, "SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "pilot_portal": {"level": "INFO"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
