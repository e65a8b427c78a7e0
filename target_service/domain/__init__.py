"""The clinic network's back office: organisations, clinics, staff assignments."""
