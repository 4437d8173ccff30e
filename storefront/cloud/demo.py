"""Demo identities shared by the sandbox seed and the sandbox settings profile.

Not secrets: they only open the local sandbox.
"""

DEMO_PARTNER_AK = "SANDBOXDEMOPARTNERAK1"
DEMO_PARTNER_SK = "sandbox-demo-partner-secret-key-0001"
DEMO_PARTNER_DOMAIN_ID = "0a5e2b7c9d1f4e3a8b6c5d4e3f2a1b0c"
DEMO_PARTNER_ID = DEMO_PARTNER_DOMAIN_ID
DEMO_PROJECT_ID = "5f3c9e1a7b2d4c6e8f0a1b2c3d4e5f6a"
DEMO_XACCOUNT_TYPE = "storefront_sandbox_IDP"

DEMO_DISTRIBUTOR_AK = "SANDBOXDEMODISTRIBAK1"
DEMO_DISTRIBUTOR_SK = "sandbox-demo-distributor-secret-key-01"
DEMO_DISTRIBUTOR_DOMAIN_ID = "1b6f3c8d0e2a5f4b9c7d6e5f4a3b2c1d"

DEMO_RESELLER_AK = "SANDBOXDEMORESELLERAK"
DEMO_RESELLER_SK = "sandbox-demo-reseller-secret-key-0001"
DEMO_RESELLER_DOMAIN_ID = "2c7a4d9e1f3b6a5c0d8e7f6a5b4c3d2e"

# Public images the sandbox offers in every region (``{region}`` filled in), and the sandbox
# profile's default ``STOREFRONT_CLOUD_ECS_IMAGES``.
DEMO_ECS_IMAGES = {
    "linux": "sandbox-{region}-ubuntu-22.04",
    "windows": "sandbox-{region}-windows-2022",
}

# The demo partner's OBS bucket, with the Partner Center's "real-name attachment upload" switch
# on: real-name attachments go under its ``download/`` folder.
DEMO_OBS_BUCKET = "storefront-sandbox-realname"
