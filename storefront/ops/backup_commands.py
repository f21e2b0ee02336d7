"""`storefront backup …`: encrypted backups the hosting company cannot read (issue 10)."""
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from storefront.ops import backup, envelope

_scratch_option = click.option(
    "--scratch-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where the plaintext that must touch a disk goes, in a private directory removed "
    "afterwards (default: instance/backup-scratch/; never the shared /tmp).")


def _scratch_root(given):
    return given or Path(current_app.config["INSTANCE_PATH"]) / "backup-scratch"


@click.group("backup")
def backup_group():
    """Encrypted backups of the shop's database (DATABASE_URL)."""


@backup_group.command("keygen")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the secret key; the public key goes next to it (.pub).")
def keygen(key_file):
    """Make the operator's key pair. Only the public key (.pub) goes on the hosting machine;
    keep the secret key elsewhere: it is the only thing that opens a backup."""
    try:
        public, kid = envelope.generate_keys(key_file)
    except envelope.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"secret key {key_file} (mode 0600): keep it off the hosting machine")
    click.echo(f"public key {public}: `storefront backup create` needs only this one")
    click.echo(f"key id {kid.hex()}")


@backup_group.command("create")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The public key (.pub) to seal the backup for.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The backup file to write (it must not exist).")
@_scratch_option
@with_appcontext
def create(key_file, out, scratch_dir):
    """Write a consistent, encrypted snapshot of the database, while the shop runs."""
    started = time.monotonic()
    try:
        outcome = backup.create(current_app.config["DATABASE_URL"],
                                envelope.read_public_key(key_file), out, _scratch_root(scratch_dir))
    except envelope.BackupError as error:
        raise click.ClickException(f"{error}; no backup was written") from None
    click.echo(f"{outcome.kind} backup written to {out}: {outcome.size:,} bytes in "
               f"{time.monotonic() - started:.1f} s, sealed for key {outcome.key_id}")


@backup_group.command("restore")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The secret key the backup was sealed for (readable by you alone).")
@click.option("--in", "in_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The backup file.")
@_scratch_option
@with_appcontext
def restore(key_file, in_path, scratch_dir):
    """Restore a backup into an empty database, after checking all of it."""
    started = time.monotonic()
    try:
        outcome = backup.restore(current_app.config["DATABASE_URL"],
                                 envelope.read_secret_key(key_file), in_path,
                                 _scratch_root(scratch_dir))
    except envelope.BackupError as error:
        raise click.ClickException(f"{error}; nothing was restored") from None
    click.echo(f"{outcome.kind} backup {in_path} restored in {time.monotonic() - started:.1f} s; "
               "run `storefront migrate` if this code is newer than the backup")
