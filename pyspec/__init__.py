"""VirtualCert: a Python reference interpreter for the VirtualCert hypervisor model."""
