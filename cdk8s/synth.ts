// `npm run synth [-- --namespace NS] [--image IMAGE]`: prints the operator's install for
// `kubectl apply --server-side -f -`; with no options it is INSTALL_FILE.
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, installYaml } from './install.ts';

const { values } = parseArgs({
  options: {
    namespace: { type: 'string', default: DEFAULT_OPTIONS.namespace },
    image: { type: 'string', default: DEFAULT_OPTIONS.image },
  },
});
process.stdout.write(installYaml(values));
