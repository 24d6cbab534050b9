"""Page objects: extraction from saved or live pages, separate from crawl mechanics."""
