"""Sealing and proving runs: manifests in a hash chain, Ed25519 signatures, banner copies, verification,
dispute bundles."""
