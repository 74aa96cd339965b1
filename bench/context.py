"""What every section shares: sizes, the bench key, a scratch folder, things to clean up."""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.keys import KEY_VAR, KeyRing, MasterKey


@dataclass
class BenchContext:
    patients: int
    appointments: int
    clinicians: int
    import_patients: int
    queries: int
    seed: int
    cache_dir: Path
    rebuild_cache: bool = False
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="novamind-bench-")))
    sqlite_clinic: Any = None  # bench.clinic.Clinic once the SQLite section built it
    cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @classmethod
    def from_args(cls, args: argparse.Namespace, cache_dir: Path) -> BenchContext:
        return cls(
            patients=args.patients,
            appointments=args.appointments,
            clinicians=args.clinicians,
            import_patients=args.import_patients,
            queries=args.queries,
            seed=args.seed,
            cache_dir=cache_dir,
            rebuild_cache=args.no_cache,
        )

    @property
    def master_key(self) -> bytes:
        # Derived from the seed, so a cached database stays readable on the next run. A
        # benchmark key only: it protects synthetic data.
        return hashlib.sha256(f"novamind-bench-key/{self.seed}".encode()).digest()

    @property
    def key_text(self) -> str:
        return base64.urlsafe_b64encode(self.master_key).decode("ascii")

    @property
    def keyring(self) -> KeyRing:
        return KeyRing(MasterKey(self.master_key))

    def cipher(self) -> FieldCipher:
        return FieldCipher(self.keyring)

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment for a subprocess running the application against bench data."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOVAMIND_")}
        env[KEY_VAR] = self.key_text
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env.update(extra)
        return env

    def close(self) -> None:
        self.cleanup.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
