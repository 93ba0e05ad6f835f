"""PostgreSQL: workers waiting for the ask lock queue in the database instead of polling its lease.

With many workers, polling the lease (a transaction that locks the study's row, every 50-100 ms per
waiter) took the CPU and the study row from the one worker holding the lock, so the more workers
waited, the longer each ask held it (benchmarks/README.md, "Many workers on one storage"). Here a
waiter first blocks in `pg_advisory_lock` on one session of its own: PostgreSQL's lock manager wakes
the waiters one at a time, and only the head of the queue then takes the lease (at once, unless a
worker that does not queue, or a killed one, still holds it). The lease stays the lock of record, so
workers of an older version and the expiry of a killed holder's lease work as before.

A worker killed while queued or holding: its session ends with its connection, which frees its place
(a host that vanished: after the TCP keepalive set below). A connection pooler in transaction mode
(PgBouncer `pool_mode=transaction`) cannot carry session locks: point the study at PostgreSQL itself.
"""

from __future__ import annotations

from typing import Optional

# pg_advisory_lock(key1, key2) namespace: "MAHM" as a 31-bit int; key2 is the study's id.
NAMESPACE = 0x4D41484D & 0x7FFFFFFF
KEEPALIVE_S = 10  # a vanished host's session is ended after about 10 + 3 x 5 s


class PgAskQueue:
    def __init__(self, engine, study_id: int):
        self.engine = engine
        self.study_id = int(study_id)
        self._conn = None

    @staticmethod
    def applies(engine) -> bool:
        return getattr(getattr(engine, "dialect", None), "name", None) == "postgresql"

    def enter(self) -> None:
        """Blocks until this worker is the head of the study's queue."""
        from sqlalchemy import text

        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.exec_driver_sql(f"SET tcp_keepalives_idle = {KEEPALIVE_S}; SET tcp_keepalives_interval = 5; "
                                 "SET tcp_keepalives_count = 3")
            conn.execute(text("SELECT pg_advisory_lock(:ns, :study)"), {"ns": NAMESPACE, "study": self.study_id})
        except BaseException:
            conn.invalidate()  # closes the session, and with it any place it held
            conn.close()
            raise
        self._conn = conn

    def leave(self) -> None:
        conn: Optional[object] = self._conn
        self._conn = None
        if conn is None:
            return
        from sqlalchemy import text

        try:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, :study)"), {"ns": NAMESPACE, "study": self.study_id})
        except BaseException:
            conn.invalidate()  # a pooled session must never keep the lock: end it instead
            raise
        finally:
            conn.close()
