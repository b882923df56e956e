"""The scanner web app (manual, self-service kiosk, autopilot), paired devices and the self-service anti-abuse rules."""
