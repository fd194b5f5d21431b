/**
 * An author drawn from their address: a 5×5 mirrored pattern in one colour, as inline SVG. The
 * same address always gives the same picture (no hashing service, no network); case does not
 * matter. Shown beside the short address, never instead of it.
 */
import { authorHref } from "../router.ts";
import { shortAddress } from "../wallet/short-address.ts";

/** The pattern of an address: its hue and which of the 15 left-half cells are filled. */
export function identiconOf(address: string): { hue: number; cells: boolean[] } {
  const hex = address.toLowerCase().replace(/^0x/, "").padEnd(40, "0");
  // Mix all 40 hex digits into 5 bytes, so addresses sharing a prefix still differ.
  const mixed = [0, 0, 0, 0, 0];
  for (let i = 0; i < hex.length; i++) mixed[i % 5] = (mixed[i % 5] * 31 + parseInt(hex[i], 16) + 7) & 0xff;
  const hue = ((mixed[0] << 8) | mixed[1]) % 360;
  const bits = (mixed[2] << 16) | (mixed[3] << 8) | mixed[4];
  const cells = Array.from({ length: 15 }, (_, i) => ((bits >> i) & 1) === 1);
  return { hue, cells };
}

export function Identicon({ address, size = 20 }: { address: string; size?: number }) {
  const { hue, cells } = identiconOf(address);
  const rects: React.ReactNode[] = [];
  cells.forEach((on, i) => {
    if (!on) return;
    const column = Math.floor(i / 5);
    const row = i % 5;
    rects.push(<rect key={`${column}-${row}`} x={column} y={row} width={1} height={1} />);
    if (column < 2) rects.push(<rect key={`m${column}-${row}`} x={4 - column} y={row} width={1} height={1} />);
  });
  return (
    <svg className="identicon" width={size} height={size} viewBox="-0.5 -0.5 6 6" aria-hidden="true" focusable="false" data-testid="identicon">
      <rect x={-0.5} y={-0.5} width={6} height={6} rx={1.2} fill={`hsl(${hue} 45% 92%)`} />
      <g fill={`hsl(${hue} 55% 42%)`} shapeRendering="crispEdges">
        {rects}
      </g>
    </svg>
  );
}

/** "[identicon] 0xf39F…2266", linked to the author's page. */
export function AuthorLink({ address, size }: { address: string; size?: number }) {
  return (
    <a className="author-link" href={authorHref(address)} title={address}>
      <Identicon address={address} size={size} />
      <span className="mono">{shortAddress(address)}</span>
    </a>
  );
}
