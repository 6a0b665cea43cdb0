"""The merchant's dashboard (`/admin/insights`): analytics as charts and tables, CSV exports,
and the policy simulator page. Server-rendered, no script; a lead's or admin's token in a
cookie (`rs_insights`)."""
