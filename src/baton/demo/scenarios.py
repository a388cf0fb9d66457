"""What the demo's customers write about, per category: subjects, bodies,
page context, and the notes agents write when they escalate."""

from __future__ import annotations

from dataclasses import dataclass

CUSTOMERS: list[tuple[str, str]] = [
    ("Northwind Logistics", "enterprise"),
    ("Helios Energy Group", "enterprise"),
    ("Marlowe & Finch LLP", "enterprise"),
    ("Quantra Health", "enterprise"),
    ("Oakridge Retail Holdings", "enterprise"),
    ("Bluefin Analytics", "business"),
    ("Cedar Lane Foods", "business"),
    ("Parcelpoint", "business"),
    ("Tessellate Studio", "business"),
    ("Verdant Agritech", "business"),
    ("Kitely Travel", "business"),
    ("Brightwave Learning", "business"),
    ("Halcyon Property Management", "business"),
    ("Stonebridge Insurance Brokers", "business"),
    ("Pebble & Co", "starter"),
    ("Juniper Yoga Studios", "starter"),
    ("Lumen Bike Repair", "starter"),
    ("Mapleleaf Tutors", "starter"),
    ("Orbit Print Shop", "starter"),
    ("Redwood Coffee Roasters", "starter"),
    ("Sparrow Events", "starter"),
    ("Tidewater Marine Supply", "starter"),
]

CONTACTS = [
    "Alex Morgan",
    "Sam Patel",
    "Jordan Lee",
    "Taylor Nguyen",
    "Casey Ahmed",
    "Robin Schultz",
    "Morgan Diaz",
    "Jamie Rossi",
    "Avery Kim",
    "Riley Novak",
]


@dataclass(frozen=True)
class Scenario:
    category: str
    subject: str
    body: str
    severities: tuple[tuple[str, int], ...]
    url: str
    screen: str
    specialist: str | None
    """The role a handoff goes to; None when the frontline owns it end to end."""
    errors: str
    configuration: str
    steps_tried: str
    desired_outcome: str
    question: str
    resolution: str
    bounce_missing: tuple[str, ...]
    deeper: str | None = None
    """A tier 3-4 role the specialist may hand on to."""


SCENARIOS: list[tuple[Scenario, int]] = [
    (
        Scenario(
            category="how-to",
            subject="How do I share a dashboard with people outside our workspace?",
            body="Hi, we want our board members to see the monthly revenue dashboard without giving them a seat. Is there a read-only link or export we can use?",
            severities=(("low", 8), ("medium", 2)),
            url="https://app.larkspur.example/dashboards/revenue-monthly",
            screen="Dashboard > Share",
            specialist="product-specialist",
            errors="none seen",
            configuration="Business plan, 25 seats, SSO off",
            steps_tried="Sent the public-link article; customer says the Share menu has no public link option.",
            desired_outcome="Board members can view the dashboard read-only without a paid seat.",
            question="Is the public link disabled for this plan or by a workspace setting?",
            resolution="Enabled 'Allow public links' in workspace settings and walked the customer through creating a password-protected link.",
            bounce_missing=("workspace id",),
        ),
        18,
    ),
    (
        Scenario(
            category="account-access",
            subject="Users can't log in after we switched on SSO",
            body="Since enabling Okta SSO this morning, half of our team gets 'SAML assertion invalid' at login. The other half is fine. We need everyone back in before our 2pm review.",
            severities=(("high", 3), ("medium", 5), ("low", 1)),
            url="https://app.larkspur.example/login/sso",
            screen="Login > SSO",
            specialist="product-specialist",
            errors="SAML assertion invalid (code SSO-412)",
            configuration="Okta SAML 2.0, SCIM provisioning on, 60 users",
            steps_tried="Checked the IdP metadata URL and the certificate expiry; asked two failing users to clear cookies; still failing.",
            desired_outcome="All users can log in with SSO again.",
            question="Do the failing users' NameID formats differ from the ones that work?",
            resolution="The failing users had an email-case mismatch in Okta; normalised the NameID attribute and they can log in.",
            bounce_missing=("SAML trace from a failing login",),
        ),
        16,
    ),
    (
        Scenario(
            category="billing",
            subject="We were charged twice for November",
            body="Our card statement shows two charges of $1,480 for the November invoice, one on the 1st and one on the 2nd. Please refund the duplicate.",
            severities=(("medium", 6), ("high", 3)),
            url="https://app.larkspur.example/settings/billing/invoices",
            screen="Settings > Billing > Invoices",
            specialist="billing-specialist",
            errors="none seen; invoice page shows one invoice marked paid",
            configuration="Annual business plan billed monthly by card, 40 seats",
            steps_tried="Confirmed one invoice in Larkspur and two card captures in the payment provider; frontline cannot issue refunds.",
            desired_outcome="The duplicate charge is refunded and the customer gets written confirmation.",
            question="Is the second capture a retry of a failed payment or a true duplicate?",
            resolution="Refunded the duplicate capture and sent the refund confirmation; the payment retry bug is tracked.",
            bounce_missing=("payment provider transaction ids",),
        ),
        14,
    ),
    (
        Scenario(
            category="data-export",
            subject="Scheduled CSV export has been stuck 'in progress' since yesterday",
            body="Our nightly export to S3 never finished. The export page shows 'in progress' for 19 hours and our finance team has no data this morning.",
            severities=(("high", 5), ("medium", 4), ("critical", 1)),
            url="https://app.larkspur.example/exports/scheduled",
            screen="Exports > Scheduled",
            specialist="product-specialist",
            errors="Export job EXP-7731 status 'running', no error shown",
            configuration="Nightly export of 3 datasets to S3 bucket, 2.1 GB",
            steps_tried="Cancelled and re-queued the job once; it stalled again at 62 %.",
            desired_outcome="The export completes and lands in the bucket before the finance close.",
            question="Is the export worker queue backed up, or is it this dataset?",
            resolution="A malformed row in one dataset blocked the exporter; skipped it, re-ran the export and shared the row id with the customer.",
            bounce_missing=("export job id", "dataset names"),
            deeper="product-engineering",
        ),
        12,
    ),
    (
        Scenario(
            category="api",
            subject="API returns 429 Too Many Requests far below our rate limit",
            body="Our integration started getting HTTP 429 from /v2/events at about 40 requests a minute. Our contract says 600 a minute. Orders are piling up on our side.",
            severities=(("high", 5), ("critical", 2), ("medium", 3)),
            url="https://api.larkspur.example/v2/events",
            screen="REST API",
            specialist="api-engineer-oncall",
            errors="HTTP 429, header Retry-After: 60, request ids req_8f2a..., req_91cc...",
            configuration="API key 'orders-sync', enterprise contract limit 600/min, calls from 3 IPs",
            steps_tried="Checked the key's plan limit in admin (600/min) and the status page (green); customer confirmed no retries storm.",
            desired_outcome="The integration can call at its contracted rate again.",
            question="Is the limiter applying the key's limit or a per-IP default?",
            resolution="The key had been re-issued without its contract limit; restored the 600/min limit and added a regression check.",
            bounce_missing=("request ids of failing calls",),
            deeper="product-engineering",
        ),
        12,
    ),
    (
        Scenario(
            category="performance",
            subject="Dashboards take over a minute to load",
            body="Since Monday every dashboard in our workspace takes 60-90 seconds to load and some time out. This is blocking our weekly sales meeting.",
            severities=(("high", 4), ("medium", 4), ("critical", 1)),
            url="https://app.larkspur.example/dashboards/sales-weekly",
            screen="Dashboard > Sales weekly",
            specialist="api-engineer-oncall",
            errors="Gateway timeout (504) on widget queries",
            configuration="Enterprise workspace, 14 dashboards, warehouse connection to Snowflake",
            steps_tried="Reproduced the slowness on our side; other workspaces load normally; cleared the dashboard cache.",
            desired_outcome="Dashboards load in under five seconds as before.",
            question="Are this workspace's warehouse queries queuing?",
            resolution="A runaway scheduled query saturated the workspace's warehouse slot; killed it and capped its concurrency.",
            bounce_missing=("HAR file of a slow load",),
        ),
        9,
    ),
    (
        Scenario(
            category="bug",
            subject="Date filter shows last month's numbers for 'this month'",
            body="When I pick 'This month' in the date filter, the charts show October's figures. Custom ranges work. Our users are reporting wrong numbers to management.",
            severities=(("medium", 6), ("low", 2), ("high", 2)),
            url="https://app.larkspur.example/dashboards/ops-overview",
            screen="Dashboard > Date filter",
            specialist="product-specialist",
            errors="none; wrong figures only",
            configuration="Workspace time zone America/Chicago, fiscal month starts on the 1st",
            steps_tried="Reproduced with the customer's time zone; the filter is correct in UTC workspaces.",
            desired_outcome="'This month' shows the current month in the workspace's time zone.",
            question="Is this the known time-zone offset bug in relative date filters?",
            resolution="Confirmed the relative-date time-zone bug; applied the fix flag to the workspace and linked the release note.",
            bounce_missing=("workspace time zone setting screenshot",),
            deeper="product-engineering",
        ),
        10,
    ),
    (
        Scenario(
            category="security",
            subject="Unknown admin user appeared in our workspace",
            body="We found an admin account 'svc-report' we never created. It logged in twice last night. Please tell us who created it and lock it now.",
            severities=(("critical", 4), ("high", 2)),
            url="https://app.larkspur.example/settings/users",
            screen="Settings > Users",
            specialist="security-team",
            errors="none",
            configuration="Enterprise workspace, SSO enforced, 2 existing admins",
            steps_tried="Disabled nothing yet; captured the user's creation date and last-login IPs from the admin screen.",
            desired_outcome="The account is locked, its origin explained, and the customer gets an incident summary.",
            question="Was this account created through SCIM or by an admin session?",
            resolution="Account was created by the customer's own SCIM connector after a group rename; locked it, confirmed no data access, sent an incident summary.",
            bounce_missing=("last-login IP addresses",),
        ),
        4,
    ),
    (
        Scenario(
            category="feature-request",
            subject="Can we schedule exports to Google Drive?",
            body="We'd love to send our weekly export straight to a shared Google Drive folder instead of email. Is that possible or planned?",
            severities=(("low", 10),),
            url="https://app.larkspur.example/exports/new",
            screen="Exports > New",
            specialist=None,
            errors="none",
            configuration="Business plan",
            steps_tried="Checked the roadmap and the integrations list.",
            desired_outcome="An answer on whether Drive exports are planned.",
            question="Is Drive on the export roadmap?",
            resolution="Logged the request on the roadmap board and shared the S3 + Drive sync workaround.",
            bounce_missing=("use case",),
        ),
        5,
    ),
]
