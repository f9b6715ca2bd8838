"""Protocol v2: a bundle's proof is stored once, in ``proofs``, and each of its envelopes' rows names it by digest.

Until now every row of a bundle of B envelopes carried the whole proof (the signature and all B
hashes): B × B × 32 bytes per bundle, ~1.7 KB per row at B = 50. The existing proofs move into the
new table, keyed by their SHA-256, a page of rows at a time.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

PAGE = 1000  # rows read and rewritten at a time
NEXT_PAGE = sa.text("SELECT id, proof FROM messages WHERE proof IS NOT NULL AND id > :after ORDER BY id LIMIT :page")
STORE_PROOF = sa.text("INSERT INTO proofs (digest, proof) VALUES (:digest, :proof) ON CONFLICT (digest) DO NOTHING")
NAME_PROOF = sa.text("UPDATE messages SET proof_digest = :digest WHERE id = :id")
PROOF_BACK = sa.text("UPDATE messages SET proof = (SELECT proof FROM proofs WHERE digest = messages.proof_digest) "
                     "WHERE proof_digest IS NOT NULL")


def upgrade() -> None:
    """Create ``proofs``, move every stored proof into it, then drop the per-row copies."""
    op.create_table(
        "proofs",
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("proof", sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("proof_digest", sa.LargeBinary(32), nullable=True))
    conn, after = op.get_bind(), ""
    while rows := conn.execute(NEXT_PAGE, {"after": after, "page": PAGE}).all():
        digests = [hashlib.sha256(row.proof).digest() for row in rows]
        unique = {digest: row.proof for digest, row in zip(digests, rows, strict=True)}  # a bundle's rows share one
        conn.execute(STORE_PROOF, [{"digest": digest, "proof": proof} for digest, proof in unique.items()])
        conn.execute(NAME_PROOF, [{"id": row.id, "digest": digest} for digest, row in zip(digests, rows, strict=True)])
        after = rows[-1].id
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("proof")


def downgrade() -> None:
    """Copy each proof back into every row that names it, then drop the table."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("proof", sa.LargeBinary(), nullable=True))
    op.get_bind().execute(PROOF_BACK)
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("proof_digest")
    op.drop_table("proofs")
