"""Number ownership lookups for verified agencies (issue 11 item 7): did the provider hold a
number on a day, and which reseller customer to serve when it is a reseller's number."""
