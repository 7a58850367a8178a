"""Posts and the site's generated pages as Markdown (front-matter, header, body,
cross-links), feeds, the chart and link-preview cards."""
