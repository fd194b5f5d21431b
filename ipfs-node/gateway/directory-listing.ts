/** The HTML page the path gateway shows for a directory without index.html. */

export interface ListedEntry {
  name: string;
  cid: string;
  size: bigint | number;
  directory: boolean;
}

export function directoryListingHtml(requestPath: string, dirCid: string, entries: ListedEntry[]): string {
  const base = requestPath.endsWith("/") ? requestPath : `${requestPath}/`;
  const rows = entries
    .map((entry) => {
      const href = base + encodeURIComponent(entry.name) + (entry.directory ? "/" : "");
      return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.name)}${entry.directory ? "/" : ""}</a></td><td><code>${escapeHtml(entry.cid)}</code></td><td>${entry.directory ? "-" : String(entry.size)}</td></tr>`;
    })
    .join("\n");
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(requestPath)}</title></head>
<body><h1>Index of ${escapeHtml(requestPath)}</h1><p><code>${escapeHtml(dirCid)}</code></p>
<table><thead><tr><th>Name</th><th>CID</th><th>Size</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
