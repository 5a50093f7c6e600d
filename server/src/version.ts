/** The package version, read once from memaudit's package.json (found above the running code). */
import { ownPackage } from './report/shared/own-package';

export const VERSION = ownPackage()?.manifest.version ?? '0.0.0';
