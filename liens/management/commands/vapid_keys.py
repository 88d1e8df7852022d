"""Make a VAPID key pair for web push and print it as environment lines."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand

from liens.push import b64url_encode


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair (P-256) as VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT lines "
        "for the environment. Nothing is stored: keep the pair, a new one orphans every subscribed device."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--subject",
            default="mailto:contact@liens.invalid",
            help="How push services may reach the site's operator (mailto: or https: address).",
        )

    def handle(self, *args, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        # The raw forms browsers and py-vapid take: the 32-byte secret and the 65-byte
        # uncompressed point (the page hands the latter to PushManager.subscribe).
        private = key.private_numbers().private_value.to_bytes(32, "big")
        point = serialization.PublicFormat.UncompressedPoint
        public = key.public_key().public_bytes(serialization.Encoding.X962, point)
        self.stdout.write(f"VAPID_PUBLIC_KEY={b64url_encode(public)}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={b64url_encode(private)}")
        self.stdout.write(f"VAPID_SUBJECT={options['subject']}")
