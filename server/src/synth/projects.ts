/**
 * Where generated files go. Files are grouped into projects (as a corpus of many repositories
 * is), because one project cannot hold two `User.java`: when a file's path is taken in the
 * current project, the next candidate name is tried (`UserService`, then `UserRepository`…),
 * and when every candidate is taken a new project starts.
 */
import type { SynthRng } from '../util/rng';

const FIRST = ['atlas', 'beacon', 'cedar', 'delta', 'ember', 'fjord', 'granite', 'harbor', 'indigo', 'juniper', 'kestrel', 'lumen', 'meridian', 'nimbus', 'orchid', 'pylon', 'quartz', 'ridge', 'summit', 'tundra'];
const SECOND = ['api', 'core', 'service', 'platform', 'backend', 'suite', 'hub', 'works'];
const ORGS = ['acme', 'example', 'sample', 'demo'];

/** A generated project (one folder under the language's folder). */
export interface Project {
  /** Folder name, e.g. `atlas-core`. */
  readonly slug: string;
  /** Words of the name, e.g. `['atlas', 'core']`. */
  readonly words: readonly string[];
  /** Organisation of Java packages (`com.acme.atlas`). */
  readonly org: string;
}

/** A placement candidate: the project-relative paths a file (or group of files) needs, all free. */
export type Candidate<T> = (p: Project) => { paths: string[]; value: T };

export class ProjectAllocator {
  private current: Project | undefined;
  private readonly used = new Set<string>();
  private readonly slugs = new Set<string>();
  private count = 0;

  constructor(private readonly rng: SynthRng) {}

  private newProject(): Project {
    let words: string[];
    let slug: string;
    let tries = 0;
    do {
      words = [this.rng.pick(FIRST), this.rng.pick(SECOND)];
      // After many projects the word pairs run out; a number keeps names unique.
      if (tries++ > 20) words.push(String(this.count + 1));
      slug = words.join('-');
    } while (this.slugs.has(slug));
    this.slugs.add(slug);
    this.count++;
    return { slug, words, org: this.rng.pick(ORGS) };
  }

  /** Places a file (group) in the current project under the first free candidate, or in a new project. */
  place<T>(candidates: readonly Candidate<T>[]): { project: Project; paths: string[]; value: T } {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.current || attempt === 1) this.current = this.newProject();
      const project = this.current;
      for (const c of candidates) {
        const { paths, value } = c(project);
        const full = paths.map((p) => `${project.slug}/${p}`);
        if (full.every((p) => !this.used.has(p)) && new Set(full).size === full.length) {
          for (const p of full) this.used.add(p);
          return { project, paths: full, value };
        }
      }
    }
    throw new Error('no free path in a new project: the candidates collide with each other');
  }
}
