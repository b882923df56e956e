"""``stampcard demo``: migrate, seed the demo merchant, run the web server and the worker until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from stampcard.demo.seed import demo_file, seed_demo

APNS_PORT = 2197  # where the dev settings' APNS_URL points


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
        demo = seed_demo(base_url=base_url)
        if seed_only:
            self._print(demo, heading="stampcard demo data is ready")
            return
        stand_ins = self._start_stand_ins(base_url=base_url)
        env = {**os.environ, "BASE_URL": base_url, "PORT": str(port)}
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
        self._print(demo)
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
            for stand_in in stand_ins:
                stand_in.stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _start_stand_ins(self, *, base_url: str) -> list[Any]:
        """Apple's push service, Google Wallet and Poster cannot be reached from a laptop: the demo talks to the
        protocol stand-ins of ``stampcard.sandbox`` instead, on the loopback ports the dev settings point at."""
        from stampcard.sandbox import apns, google_wallet, poster

        started = []
        for name, start in (("APNs", lambda: apns.for_settings(port=APNS_PORT).start()),
                            ("Google Wallet", google_wallet.start_dev_stand_in),
                            ("Poster", lambda: poster.start_dev_stand_in(base_url=base_url))):  # fmt: skip
            try:
                started.append(start())
            except OSError as error:  # e.g. another demo holds the port: that one's stand-in serves us as well
                self.stderr.write(f"the {name} stand-in did not start ({error}); wallet updates may be retried")
        return started

    def _print(self, demo: dict[str, Any], heading: str = "stampcard is running") -> None:
        from stampcard.sandbox.poster.simulator import simulator_url

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
            "(stampcard/sandbox).",
            "Ctrl-C stops the web server, the worker and the beat.",
            "",
        ]
        self.stdout.write("\n".join(lines))
