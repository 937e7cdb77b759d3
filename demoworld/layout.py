"""Deterministic site layout: which site gets which port, and every service's declared URL."""
from __future__ import annotations

from demoworld.model import Service, WorldData

SHARED_SITES = ("index", "csdl", "mail", "pay", "sso")


def site_names(data: WorldData) -> list[str]:
    """Sites in port order: base port = index, then P+1, P+2, ... (the last port + 1 stays dead)."""
    names = list(SHARED_SITES)
    for a in data.agencies:
        names.append(f"portal:{a.id}")
        if a.vendor != "P":
            names.append(f"dvc:{a.id}")
        if a.vendor == "C":
            names.append(f"form:{a.id}")
        if a.vendor == "E":
            names.append(f"egov:{a.id}")
    return names


def urls_for(data: WorldData, host: str, base_port: int) -> tuple[dict[str, str], str]:
    names = site_names(data)
    urls = {n: f"http://{host}:{base_port + i}/" for i, n in enumerate(names)}
    dead = f"http://{host}:{base_port + len(names)}/"
    return urls, dead


def service_path(svc: Service, vendor: str) -> str:
    return {"A": f"thu-tuc/{svc.ref}", "B": f"dich-vu-cong/{svc.ref}",
            "C": f"dichvucong/chitiet?id={svc.ref}", "P": f"dich-vu-cong/thu-tuc/{svc.ref}",
            "D": f"TTHC/ChiTiet?maTTHC={svc.ref}", "E": f"thu-tuc-hanh-chinh/{svc.ref}",
            "F": f"dichvucong/chi-tiet/{svc.ref}", "G": f"dvc/thu-tuc/{svc.ref}",
            "H": f"#/thu-tuc/{svc.ref}"}[vendor]


def service_url(data: WorldData, urls: dict[str, str], dead_base: str, svc: Service) -> str:
    agency = data.agency(svc.agency)
    site = f"portal:{agency.id}" if agency.vendor == "P" else f"dvc:{agency.id}"
    base = dead_base if svc.has("dead_refused") else urls[site]
    return base + service_path(svc, agency.vendor)
