"""Getting into the panel: sign-in and sign-out (here), sign-up, email verification, password reset, two-factor."""
