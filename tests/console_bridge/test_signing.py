"""SAML signatures without the xmlsec1 program: our IdP signs and the sandbox's SP verifies
in-process (the ``xmlsec`` binding), so a machine without the Debian package can jump."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
import saml2.sigver
from flask import Flask
from flask.testing import FlaskClient
from saml2.sigver import XmlsecError

from storefront.accounts.models import Customer
from storefront.console_bridge import idp, saml
from storefront.console_bridge.xmlsig import XmlSecBindingBackend
from tests.console_bridge.conftest import trust_storefront
from tests.console_bridge.test_jump import jump_to_assertion, mint

SP_XML = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
 entityID="https://sp.example/metadata.xml"><md:SPSSODescriptor
 protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService
 Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs"
 index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"""
RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"


def path_without_xmlsec1() -> str:
    """``PATH`` minus every directory holding an ``xmlsec1``."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not (Path(d) / "xmlsec1").exists())


@pytest.fixture
def no_xmlsec1(monkeypatch: pytest.MonkeyPatch) -> None:
    """xmlsec1 hidden from PATH, and pysaml2 unable to start any program."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"pysaml2 tried to run a program: {args!r}")

    monkeypatch.setenv("PATH", path_without_xmlsec1())
    monkeypatch.setattr(saml2.sigver, "Popen", refuse)
    assert shutil.which("xmlsec1") is None


def test_the_jump_signs_and_verifies_without_the_xmlsec1_program(
    app: Flask, client: FlaskClient, sandbox: Any, linked: Customer, bought: Any, no_xmlsec1: None
) -> None:
    saml.forget_cached_metadata()  # an IdP built by another test would not prove anything
    idp.forget_servers()
    trust_storefront(sandbox, client.get("/saml/idp/metadata.xml").get_data(as_text=True))
    resource = bought(linked)[0]
    url = mint(client, linked, resource["id"]).get_json()["url"]
    browser = requests.Session()
    answer, form = jump_to_assertion(client, sandbox, url, browser)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert xml.count("SignatureValue>") == 4  # response and assertion both signed
    landed = browser.post(form["action"], data=form, allow_redirects=True)
    assert landed.status_code == 200, landed.text
    assert resource["provider_resource_id"] in landed.text


@pytest.fixture
def signed(app: Flask, tmp_path: Path) -> tuple[str, saml.KeyPair, saml.KeyPair]:
    """A Response and Assertion signed by an IdP with its own pair; and a stranger's pair."""
    pairs = []
    for name in ("idp", "stranger"):
        key, cert = saml.generate_pair(name)
        pair = saml.KeyPair(tmp_path / f"{name}.key", tmp_path / f"{name}.crt")
        pair.key_file.write_bytes(key)
        pair.cert_file.write_bytes(cert)
        pairs.append(pair)
    provider = idp.IdentityProvider(
        entity_id="https://shop.example/saml/idp/metadata.xml",
        sso_url="https://shop.example/saml/idp/sso",
        pair=pairs[0],
        sp_xml=SP_XML,
    )
    assert isinstance(provider.server.sec.crypto, XmlSecBindingBackend)
    response = provider.server.create_authn_response(
        identity={"xUserId": ["u-1"]},
        in_response_to="req-1",
        destination="https://sp.example/acs",
        sp_entity_id="https://sp.example/metadata.xml",
        name_id=idp.NameID(format=idp.NAMEID_FORMAT_UNSPECIFIED, text="u-1"),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
        sign_response=True,
        sign_assertion=True,
    )
    return str(response), pairs[0], pairs[1]


def ids(xml: str) -> tuple[str, str]:
    from lxml import etree

    root = etree.fromstring(xml.encode())
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    return root.get("ID"), assertion.get("ID")


def test_signatures_verify_only_with_the_signers_certificate_and_untouched(
    signed: tuple[str, saml.KeyPair, saml.KeyPair],
) -> None:
    xml, signer, stranger = signed
    backend = XmlSecBindingBackend()
    response_id, assertion_id = ids(xml)
    cert = str(signer.cert_file)
    assert backend.validate_signature(xml, cert, "pem", RESPONSE, response_id)
    assert backend.validate_signature(xml, cert, "pem", ASSERTION, assertion_id)
    with pytest.raises(XmlsecError):  # another key's certificate
        backend.validate_signature(xml, str(stranger.cert_file), "pem", RESPONSE, response_id)
    forged = xml.replace(">u-1<", ">u-2<")
    assert forged != xml
    for node_name, node_id in ((RESPONSE, response_id), (ASSERTION, assertion_id)):
        with pytest.raises(XmlsecError):
            backend.validate_signature(forged, cert, "pem", node_name, node_id)
    # an ID is only an ID on the element type asked for (as xmlsec1's --id-attr:ID <name>)
    with pytest.raises(XmlsecError):
        backend.validate_signature(xml, cert, "pem", ASSERTION, response_id)


def test_a_python_without_xmlsec1_on_its_path_signs(tmp_path: Path) -> None:
    """What a fresh machine does: a new interpreter, PATH without xmlsec1, signs a Response."""
    code = (
        "import shutil, sys\n"
        "from pathlib import Path\n"
        "from storefront.console_bridge import idp, saml\n"
        "assert shutil.which('xmlsec1') is None\n"
        "folder = Path(sys.argv[1])\n"
        "pair = saml.key_pair(saml.ConsoleSettings(), folder, production=False)\n"
        "provider = idp.IdentityProvider(entity_id='https://s.example/m', sso_url='https://s.example/s',"
        " pair=pair, sp_xml=sys.argv[2])\n"
        "r = provider.server.create_authn_response(identity={}, in_response_to='r1',"
        " destination='https://sp.example/acs', sp_entity_id='https://sp.example/metadata.xml',"
        " name_id=idp.NameID(text='u'), authn={'class_ref': 'x'},"
        " sign_response=True, sign_assertion=True)\n"
        "print(type(provider.server.sec.crypto).__name__, str(r).count('SignatureValue>'))\n"
    )
    env = {**os.environ, "PATH": path_without_xmlsec1()}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), SP_XML],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["XmlSecBindingBackend", "4"]
