"""Pure judgements over values: advisories, typosquats, reputation, policy."""
