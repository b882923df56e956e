"""Apple Wallet passes built and signed per second: in-process (``cryptography``) vs an ``openssl smime`` subprocess.

    .venv/bin/python -m bench.pkpass                 # 300 passes each way
    .venv/bin/python -m bench.pkpass --passes 1000

Both sides build the same passes (pass.json, icon and stamp-strip images at @1x/@2x/@3x, manifest.json, zip) for
cards with stamp counts spread over the goal; they differ only in how ``signature`` is made:

- in-process: ``pkcs7.PKCS7SignatureBuilder`` (DetachedSignature + Binary, SHA-256, WWDR included), what stampcard
  does;
- subprocess: the manifest written to a temporary file and signed by ``openssl smime -sign -binary -outform DER
  -certfile wwdr.pem``, what the older Python pass libraries (wallet-py3k, py-pkpass) do.

The strip images are rendered once before timing (production caches them on disk the same way). No database is
used: the cards are unsaved model instances. The last pass of each kind (the same card) is checked: a sound zip, a
manifest listing every file with its SHA-1, a signature ``openssl cms -verify`` accepts against the dev CA, and
every file but the signature the same both ways; a failed check makes the exit status 1. The report is printed and
written to ``var/bench/pkpass.json``.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _contents(count: int) -> list:
    from stampcard.cards.models import Card, Program
    from stampcard.core.codes import random_card_number, random_card_qr
    from stampcard.customers.models import Customer
    from stampcard.merchants.models import Location, Merchant
    from stampcard.wallet.apple.models import ApplePass, new_authentication_token, new_public_token
    from stampcard.wallet.apple.pkpass import PassContent

    merchant = Merchant(name="Bench cafe", currency="UAH", locale="en")
    program = Program(merchant=merchant, name="Coffee card", goal=8, reward_title="Free coffee")
    locations = [
        Location(merchant=merchant, name=f"Spot {i}", address=f"Street {i}", latitude=50.45 + i, longitude=30.52)
        for i in range(3)
    ]
    contents = []
    for i in range(count):
        card = Card(merchant=merchant, program=program, number=random_card_number(), qr_payload=random_card_qr())
        card.customer = Customer(merchant=merchant, name=f"Bench {i}", language=("en", "uk")[i % 2])
        card.stamps = i % program.goal
        card.pk = i + 1
        # The tokens are sealed columns since passes keep them encrypted: an unsaved pass needs them set.
        apple_pass = ApplePass(
            merchant=merchant,
            card=card,
            pass_type_identifier="pass.dev.stampcard.card",
            authentication_token=new_authentication_token(),
            public_token=new_public_token(),
        )
        contents.append(
            PassContent(
                apple_pass=apple_pass,
                card=card,
                program=program,
                rules=program,
                merchant=merchant,
                rewards_ready=[],
                vouchers=[],
                locations=locations,
                web_card_url=f"https://cards.example.test/c/bench{i}",
            )
        )
    return contents


def _openssl_signer(signer, workdir: Path) -> Callable[[bytes], bytes]:
    def sign(manifest: bytes) -> bytes:
        source, target = workdir / "manifest.json", workdir / "signature"
        source.write_bytes(manifest)
        subprocess.run(
            [
                "openssl", "smime", "-sign", "-binary", "-outform", "DER",
                "-signer", str(signer.certificate_path), "-inkey", str(signer.key_path),
                "-certfile", str(signer.wwdr_path), "-md", "sha256",
                "-in", str(source), "-out", str(target),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return target.read_bytes()

    return sign


def _run(contents: list, sign: Callable[[bytes], bytes]) -> tuple[float, list[int], bytes]:
    """Seconds to build every pass, the sizes of the passes and the last one (for the signature check).

    Only the last pass is kept, as a server drops each after sending it: holding all of them (about 140 kB each)
    made every build fault in fresh pages for its copy, some 0.13 ms a pass on either side that no server pays.
    """
    from stampcard.wallet.apple import pkpass

    sizes = []
    bundle = b""
    started = time.perf_counter()
    for content in contents:
        files = pkpass.pass_files(content)
        manifest = pkpass.manifest_bytes(files)
        bundle = pkpass.zip_pass(files, manifest, sign(manifest))
        sizes.append(len(bundle))
    return time.perf_counter() - started, sizes, bundle


def _members(bundle: bytes) -> dict[str, bytes] | None:
    """The files of a .pkpass, or None when the zip is broken or the manifest does not list every file (and only
    them) with its SHA-1: what Wallet refuses before it looks at the signature."""
    import hashlib
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        if archive.testzip() is not None:
            return None
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    listed = {name: data for name, data in files.items() if name not in ("manifest.json", "signature")}
    if manifest != {name: hashlib.sha1(data).hexdigest() for name, data in listed.items()}:  # noqa: S324
        return None
    return files


def _verify(bundle: bytes, ca_file: Path, workdir: Path) -> bool:
    files = _members(bundle)
    if files is None or "signature" not in files:
        return False
    (workdir / "m.json").write_bytes(files["manifest.json"])
    (workdir / "sig").write_bytes(files["signature"])
    result = subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(workdir / "sig"),
            "-content", str(workdir / "m.json"), "-CAfile", str(ca_file), "-out", os.devnull,
        ],
        capture_output=True,
    )  # fmt: skip
    return result.returncode == 0


def _same_pass(one: bytes, other: bytes) -> bool:
    """Both ways built the same pass of the same card: every file but the signature is equal."""
    unsigned = [
        {name: data for name, data in (_members(bundle) or {}).items() if name != "signature"}
        for bundle in (one, other)
    ]
    return bool(unsigned[0]) and unsigned[0] == unsigned[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=300, help="passes built each way (default 300)")
    args = parser.parse_args(argv)
    if shutil.which("openssl") is None:
        print("openssl is not on PATH", file=sys.stderr)
        return 1
    _setup_django()
    from stampcard.wallet.apple import credentials, pkpass

    signer = credentials.dev_signer()
    contents = _contents(args.passes)
    with tempfile.TemporaryDirectory(prefix="bench-pkpass-") as tmp:
        workdir = Path(tmp)
        in_process = lambda manifest: pkpass.sign_manifest(manifest, signer)  # noqa: E731
        with_openssl = _openssl_signer(signer, workdir)
        _run(contents[: min(len(contents), 16)], in_process)  # warm-up: renders and caches every strip
        _run(contents[:4], with_openssl)
        lib_seconds, lib_sizes, lib_last = _run(contents, in_process)
        cli_seconds, _cli_sizes, cli_last = _run(contents, with_openssl)
        ca_file = credentials.dev_ca_path()
        verified = (
            _verify(lib_last, ca_file, workdir)
            and _verify(cli_last, ca_file, workdir)
            and _same_pass(lib_last, cli_last)
        )

    lib_rate, cli_rate = args.passes / lib_seconds, args.passes / cli_seconds
    sizes = sorted(lib_sizes)
    report = {
        "passes": args.passes,
        "in_process_passes_per_s": round(lib_rate, 1),
        "openssl_subprocess_passes_per_s": round(cli_rate, 1),
        "ratio": round(lib_rate / cli_rate, 2),
        "in_process_ms_per_pass": round(1000 * lib_seconds / args.passes, 2),
        "openssl_ms_per_pass": round(1000 * cli_seconds / args.passes, 2),
        "median_pkpass_bytes": sizes[len(sizes) // 2],
        "signatures_verify": verified,
        "openssl": subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "pkpass.json").write_text(json.dumps(report, indent=2))
    print(f"pkpass: {args.passes} store-card passes built and signed, one process, one thread")
    print(f"  in-process (cryptography)   {lib_rate:8.1f} passes/s   {report['in_process_ms_per_pass']:6.2f} ms/pass")
    print(f"  openssl smime subprocess    {cli_rate:8.1f} passes/s   {report['openssl_ms_per_pass']:6.2f} ms/pass")
    print(f"  ratio                       {report['ratio']:8.2f} x")
    print(f"  median .pkpass {report['median_pkpass_bytes']} bytes; complete, alike, verified by openssl: {verified}")
    print(f"  written to {OUT_DIR / 'pkpass.json'}")
    return 0 if verified else 1


if __name__ == "__main__":
    sys.exit(main())
