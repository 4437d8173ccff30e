"""customers: display name vs provider account name

``customers.name`` becomes the person's display name (any script, not unique) and the provider
login name moves to ``customers.account_name`` (was ``provider_account_name``). Existing names
were provider account names: a customer without a recorded provider account name keeps its
name as both, when it is a valid account name.

Revision ID: 0023_names_account_name
Revises: 0020_quote_expiry_index
Create Date: 2026-12-06 22:40:00

"""

import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023_names_account_name"
down_revision = "0022_sec_limits_funding"
branch_labels = None
depends_on = None

# The provider's account-name rules at the time of this migration (PROVIDER.md).
_ACCOUNT_NAME = re.compile(r"^[A-Za-z_-][A-Za-z0-9_-]{4,31}$")


def _valid(name: str) -> bool:
    return (
        bool(_ACCOUNT_NAME.match(name))
        and not name.isdigit()
        and not name.lower().startswith(("op_", "shadow_"))
    )


def upgrade():
    # A plain rename (SQLite >= 3.25 and PostgreSQL): batch mode would rebuild the table and
    # lose its expression indexes (ix_customers_name_prefix).
    op.execute("ALTER TABLE customers RENAME COLUMN provider_account_name TO account_name")
    customers = sa.table(
        "customers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("account_name", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(customers.c.id, customers.c.name).where(customers.c.account_name.is_(None))
    ).all()
    for row in rows:
        if row.name and _valid(row.name):
            bind.execute(
                customers.update().where(customers.c.id == row.id).values(account_name=row.name)
            )


def downgrade():
    op.execute("ALTER TABLE customers RENAME COLUMN account_name TO provider_account_name")
