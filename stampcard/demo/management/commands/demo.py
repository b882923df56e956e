"""``stampcard demo``: migrate, seed the demo merchant, run the web server and the worker until Ctrl-C (a worker or
beat that crashes is started again: ``stampcard.demo.supervisor``)."""

import os
import signal
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from stampcard.demo.seed import demo_file, seed_demo
from stampcard.demo.stand_ins import StandIns, StandInUnavailable, stand_ins_start
from stampcard.demo.supervisor import Child, Supervisor
from stampcard.sandbox.poster.simulator import simulator_url


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run stampcard locally with a demo merchant: web server + background worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--seed-only", action="store_true", help="Migrate and seed, then exit.")

    def handle(self, *args: Any, host: str, port: int, seed_only: bool, **options: Any) -> None:
        # A demo receives its own webhooks on this machine (http://127.0.0.1:…): local HTTP endpoints are allowed.
        settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
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
        env = {
            **os.environ,
            "BASE_URL": base_url,
            "PORT": str(port),
            "STAMPCARD_WEBHOOKS_ALLOW_HTTP": "1",
            **stand_ins.env(),
        }
        python = sys.executable
        web = [
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
        ]
        worker = [python, "-m", "stampcard.cli", "worker", "--no-startup-delay"]
        supervisor = Supervisor(
            children=[
                Child(name="web server", argv=web, restart=False),
                Child(name="worker", argv=worker, restart=True),
                Child(name="beat", argv=[python, "-m", "stampcard.cli", "beat"], restart=True),
            ],
            env=env,
            cwd=settings.BASE_DIR,
            say=lambda text: self.stderr.write(text),
        )
        # A service manager (or `timeout`) stops the demo with SIGTERM: stop the children too, as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        supervisor.start()
        self._print(demo, stand_ins=stand_ins)
        try:
            while supervisor.poll():
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("\nstopping…")
        finally:
            supervisor.stop()
            stand_ins.stop()

    def _print(
        self, demo: dict[str, Any], heading: str = "stampcard is running", stand_ins: StandIns | None = None
    ) -> None:
        poster_register = simulator_url(demo["base_url"], api_key=demo["api_key"])
        lines = [
            "",
            heading,
            f"  Panel         {demo['panel_url']}",
            f"  Owner login   {demo['owner_email']} / {demo['owner_password']}",
            f"  API docs      {demo['api_docs_url']}",
            f"  OpenAPI       {demo['openapi_url']}",
            f"  API key       {demo['api_key']}   (cashier, first location)",
            f"  Program       {demo['program_id']}",
            f"  Sample card   {demo['sample_card_number']}   web card {demo.get('sample_card_url', '')}",
            f"  Join page     {demo.get('join_url', '')}",
            f"  Cashier login {demo.get('cashier_email', '')} / {demo.get('cashier_password', '')}   (scanner app)",
            f"  Poster POS    {poster_register}   (a simulated register running the stampcard app)",
            "",
            *(f"  {label}\n      {value}" for label, value in demo.get("features", {}).items()),
            f"  Operator      {demo['admin_url']}   {demo.get('operator_email', '')} / "
            f"{demo.get('operator_password', '')}   (the server's Django admin, not for merchants)",
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
