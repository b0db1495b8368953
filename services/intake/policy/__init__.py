"""The policy simulator over HTTP (docs/policy.md): legal and admins replay the register's
recorded requests with a candidate policy before changing the real one."""
