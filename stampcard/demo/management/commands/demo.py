"""``stampcard demo``: migrate, seed the demo merchant, run the web server and the worker until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from stampcard.demo.seed import demo_file, seed_demo
from stampcard.demo.stand_ins import StandIns, StandInUnavailable, stand_ins_start
from stampcard.sandbox.poster.simulator import simulator_url


class Command(BaseCommand):
    help = "Run stampcard locally with a demo merchant: web server + background worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--seed-only", action="store_true", help="Migrate and seed, then exit.")

    def handle(self, *args: Any, host: str, port: int, seed_only: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        base_url = os.environ.get("BASE_URL", f"http://{host}:{port}").rstrip("/")
        if seed_only:
            self._print(seed_demo(base_url=base_url), heading="stampcard demo data is ready")
            return
        # Before the seed and the children: both must see the stand-ins' real addresses.
        try:
            stand_ins = stand_ins_start(run_port=port, base_url=base_url)
        except StandInUnavailable as error:
            raise CommandError(str(error)) from error
        for name, value in stand_ins.settings.items():
            setattr(settings, name, value)
        try:
            demo = seed_demo(base_url=base_url)
        except BaseException:
            stand_ins.stop()
            raise
        env = {**os.environ, "BASE_URL": base_url, "PORT": str(port), **stand_ins.env()}
        python = sys.executable
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        worker = subprocess.Popen(
            [python, "-m", "stampcard.cli", "worker", "--no-startup-delay"], env=env, cwd=settings.BASE_DIR
        )
        beat = subprocess.Popen([python, "-m", "stampcard.cli", "beat"], env=env, cwd=settings.BASE_DIR)
        children = [web, worker, beat]
        self._print(demo, stand_ins=stand_ins)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("a process stopped; shutting down the others")
        except KeyboardInterrupt:
            self.stdout.write("\nstopping…")
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            stand_ins.stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _print(
        self, demo: dict[str, Any], heading: str = "stampcard is running", stand_ins: StandIns | None = None
    ) -> None:
        poster_register = simulator_url(demo["base_url"], api_key=demo["api_key"])
        lines = [
            "",
            heading,
            f"  API docs      {demo['api_docs_url']}",
            f"  OpenAPI       {demo['openapi_url']}",
            f"  Admin         {demo['admin_url']}",
            f"  Owner login   {demo['owner_email']} / {demo['owner_password']}",
            f"  API key       {demo['api_key']}   (cashier, first location)",
            f"  Program       {demo['program_id']}",
            f"  Sample card   {demo['sample_card_number']}   web card {demo.get('sample_card_url', '')}",
            f"  Join page     {demo.get('join_url', '')}",
            f"  Cashier login {demo.get('cashier_email', '')} / {demo.get('cashier_password', '')}   (scanner app)",
            f"  Poster POS    {poster_register}   (a simulated register running the stampcard app)",
            "",
            *(f"  {label}\n      {value}" for label, value in demo.get("features", {}).items()),
            f"  Saved to      {demo_file()}",
            "",
            f"  Try: curl -H 'Authorization: Bearer {demo['api_key']}' {demo['base_url']}/api/v1/cards/lookup?q=olena",
            "",
            "Wallet passes and Poster talk to local stand-ins of Apple's push service, Google Wallet and Poster",
            "(stampcard/sandbox)" + ("; the variables in brackets move them:" if stand_ins is not None else "."),
            *(stand_ins.lines() if stand_ins is not None else []),
            "",
            "Ctrl-C stops the web server, the worker and the beat.",
            "",
        ]
        self.stdout.write("\n".join(lines))
