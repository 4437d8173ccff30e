"""Emulators of Alipay's open platform gateway and WeChat Pay API v3, for development and
tests (never production): the adapters talk to them over HTTP through the real SDKs, and they
check the real signature schemes with generated test keys (:mod:`.keys`)."""
