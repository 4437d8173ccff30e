"""Console bridge: signed single-use console links, the SAML IdP that logs customers into the
provider's console, the redirect, and its audit."""
