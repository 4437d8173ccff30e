"""Back office: staff and roles, customer management, freeze, view-as, audit, branding."""
