"""The catalog's pages: the public catalog (``public``) and the catalog builder for catalog managers (``manage``)."""
