import type { Observed } from '../../component.js';
import type { FileInput } from './types.js';

/**
 * WordPress core, plugins and themes read from their own files, the way WordPress reads them
 * (no wp-cli, no database): `$wp_version` in wp-includes/version.php, the comment headers of a
 * plugin's main PHP file and a theme's style.css (`get_file_data` reads the first 8 KiB), and a
 * plugin readme's `Stable tag`.
 */
const HEAD = 8 * 1024;

/** A `Name: value` header as WordPress reads it from the top of a file, or undefined. */
export function fileHeader(content: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^(?:[ \\t]*<\\?php)?[ \\t/*#@]*${escaped}:(.*)$`, 'mi').exec(content.slice(0, HEAD));
  const value = m?.[1]?.replace(/\s*(?:\*\/|\?>).*$/, '').trim();
  return value ? value : undefined;
}

const sighting = (source: string, at: string) => [{ source, at }];

export function readCoreVersion(file: FileInput): Observed[] {
  const version = /\$wp_version\s*=\s*['"]([^'"]+)['"]/.exec(file.content)?.[1];
  return version ? [{ name: 'wordpress', ecosystem: 'wordpress-core', version, seen: sighting('wp-version-php', file.path) }] : [];
}

/** `…/plugins/<slug>/<file>.php` → slug; a single-file plugin (`…/plugins/hello.php`) is named after its file. */
function pluginSlug(path: string): string | undefined {
  const m = /(?:^|\/)plugins\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (!m) return undefined;
  return m[2] === undefined ? m[1]!.replace(/\.php$/i, '') : m[1];
}

export function readPluginHeader(file: FileInput): Observed[] {
  if (fileHeader(file.content, 'Plugin Name') === undefined) return [];
  const slug = pluginSlug(file.path);
  if (!slug) return [];
  const version = fileHeader(file.content, 'Version');
  return [{ name: slug, ecosystem: 'wordpress-plugin', ...(version ? { version } : {}), seen: sighting('wp-plugin-header', file.path) }];
}

/** A readme's Stable tag is the version the plugin's author published it as; "trunk" says nothing. */
export function stableTag(content: string): string | undefined {
  const tag = /^[ \t]*Stable tag:[ \t]*([^\s]+)/im.exec(content.slice(0, HEAD))?.[1];
  return tag && tag.toLowerCase() !== 'trunk' ? tag : undefined;
}

export function readPluginReadme(file: FileInput): Observed[] {
  const slug = /(?:^|\/)plugins\/([^/]+)\/readme\.txt$/i.exec(file.path)?.[1];
  const version = stableTag(file.content);
  return slug ? [{ name: slug, ecosystem: 'wordpress-plugin', ...(version ? { version } : {}), seen: sighting('wp-plugin-readme', file.path) }] : [];
}

export function readThemeStyle(file: FileInput): Observed[] {
  const slug = /(?:^|\/)themes\/([^/]+)\/style\.css$/i.exec(file.path)?.[1];
  if (!slug || fileHeader(file.content, 'Theme Name') === undefined) return [];
  const version = fileHeader(file.content, 'Version');
  return [{ name: slug, ecosystem: 'wordpress-theme', ...(version ? { version } : {}), seen: sighting('wp-theme-style', file.path) }];
}
