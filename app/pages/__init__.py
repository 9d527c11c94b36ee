"""One module per page: register_page, then layout(**query), then the page's callbacks."""
