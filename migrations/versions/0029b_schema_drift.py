"""schema drift: the foreign key SQLite could not take by ALTER TABLE in 0017

Revision ID: 0029b_schema_drift
Revises: 0029_servers
Create Date: 2026-12-07

``association_settlements.provider_unbound_staff_id`` references ``staff`` on PostgreSQL since
0017; SQLite (which enforces foreign keys here: ``PRAGMA foreign_keys=ON``) gets it now, by
rebuilding the table (Alembic's batch mode). ``tests/test_migrations_drift.py`` keeps models and
migrations equal from here on.
"""

from alembic import op

revision = "0029b_schema_drift"
down_revision = "0029_servers"
branch_labels = None
depends_on = None

FK = "fk_association_settlements_provider_unbound_staff_id_staff"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("association_settlements", recreate="always") as batch:
        batch.create_foreign_key(
            FK, "staff", ["provider_unbound_staff_id"], ["id"], ondelete="RESTRICT"
        )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("association_settlements", recreate="always") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
