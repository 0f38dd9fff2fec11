const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escape text for HTML, SVG and XML (the report, the Label Studio config), in element content and
 * in quoted attributes alike.
 * @internal
 *
 * Example: esc('<script>alert("1")</script>') // → '&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;'
 */
export const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
