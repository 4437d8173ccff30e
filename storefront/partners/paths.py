"""The provider's partner development paths and their minimum requirements (data, not rules).

Source: Huawei Cloud partner centre help (support.huaweicloud.com, "伙伴中心" FAQ,
section "合作伙伴发展路径"), pages "数字化转型咨询与系统集成合作伙伴发展路径"
and "软件合作伙伴发展路径", read on 2026-11-25 from stored copies (the pages carry
no publication date). What they say:

- Digital transformation consulting and system integration (SI) path:
  - role certification:
    "角色认证需共建几个offering? 有任1联合offering或任1能力标签均可"
    (any one joint offering or any one capability label);
    "角色认证需获得能力标签吗? 不用获得能力标签" (no capability label needed).
    How many certified people it needs ("角色认证需至少几人通过证书认证?") is asked
    there, but the answer was not in the copies we could read: left unset (``None``).
  - capability differentiation:
    "能力差异化需至少几人通过证书认证? 10人" (at least 10 certified people);
    "能力差异化需共建几个offering?
    联合offering或能力标签数量合计≥3，其中至少获得2个能力标签"
    (offerings and capability labels together >= 3, at least 2 of them labels).
    An older copy of the same FAQ answers "2个" offerings and "1个" label; we show
    the newer wording. Certificates counted ("个人认证"): project manager (PMP, IPMA
    A/B/C, HCIP-PM), HCCDP, HCCDE (HCCDE, HCIE-Cloud, ...).
- Software path: role certification passes with
  "至少1款完成云软件认证的应用软件或软件解决方案" (at least one application or
  solution that passed the provider's cloud-software certification).
- Service path, learning and enablement path: the FAQ questions exist
  ("服务合作伙伴角色认证证书要求?") but no figures were in the copies we could read.

Figures the provider changes are data: the operator can replace this table with its own JSON
file at ``<instance>/partners/development_paths.json`` (same shape, see :func:`load_paths`);
the page then says the figures are the operator's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

SOURCE_URL = "https://support.huaweicloud.com/faq-bpconsole/"  # partner centre FAQ (Chinese site)
SOURCE_READ_ON = "2026-11-25"

# Certificates the SI path counts for capability differentiation (PMP stands for the project
# manager certificates; IPMA and HCIP-PM are not recorded separately here).
SI_COUNTED = ("HCCDP", "HCCDE", "HCIE", "PMP")

UNPUBLISHED: dict[str, Any] = {
    "kind": "other",
    "text": _l(
        "Not in the provider material we could consult: see the development path in the "
        "partner centre"
    ),
}
PATHS: dict[str, dict[str, Any]] = {
    "si": {
        "label": _l("Digital transformation consulting and system integration"),
        "stages": [
            {
                "label": _l("Role certification"),
                "requirements": [
                    {"kind": "people", "count": None, "certs": list(SI_COUNTED)},
                    {
                        "kind": "other",
                        "text": _l("At least one joint offering or one capability label"),
                    },
                ],
            },
            {
                "label": _l("Capability differentiation"),
                "requirements": [
                    {"kind": "people", "count": 10, "certs": list(SI_COUNTED)},
                    {
                        "kind": "other",
                        "text": _l(
                            "Joint offerings and capability labels: at least 3 in total, "
                            "at least 2 of them capability labels"
                        ),
                    },
                ],
            },
        ],
    },
    "software": {
        "label": _l("Software partner"),
        "stages": [
            {
                "label": _l("Role certification"),
                "requirements": [
                    {
                        "kind": "other",
                        "text": _l(
                            "At least one application or solution that passed the provider's "
                            "cloud-software certification"
                        ),
                    }
                ],
            }
        ],
    },
    "service": {
        "label": _l("Service partner"),
        "stages": [{"label": _l("Role certification"), "requirements": [UNPUBLISHED]}],
    },
    "learning": {
        "label": _l("Learning and enablement partner"),
        "stages": [{"label": _l("Role certification"), "requirements": [UNPUBLISHED]}],
    },
}


def load_paths(instance_path: str | Path) -> tuple[dict[str, dict[str, Any]], bool]:
    """The paths, and whether they come from the store operator's own file.

    The file is JSON: ``{"key": {"label": "…", "stages": [{"label": "…", "requirements":
    [{"kind": "people", "count": 3, "certs": ["HCIP"]} | {"kind": "other", "text": "…"}]}]}}``.
    A file that does not parse is ignored (the published table applies)."""
    file = Path(instance_path) / "partners" / "development_paths.json"
    if not file.is_file():
        return PATHS, False
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("stages"), list) for v in data.values()
        ):
            raise ValueError("not a table of paths")
    except (OSError, ValueError):
        return PATHS, False
    return data, True
