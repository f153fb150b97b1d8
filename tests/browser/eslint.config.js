// ESLint for the dashboard's modules (web/, browser globals) and these tests (Node).
import js from '@eslint/js';
import globals from 'globals';

export default [
	js.configs.recommended,
	{
		files: ['web/**/*.js'],
		languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: globals.browser },
		rules: {
			// Server strings become text, never markup (SECURITY: hostile output and commands).
			'no-restricted-properties': ['error',
				{ property: 'innerHTML', message: 'use textContent or dom.js h()' },
				{ property: 'outerHTML', message: 'use textContent or dom.js h()' },
				{ property: 'insertAdjacentHTML', message: 'use dom.js h()' },
				{ object: 'document', property: 'write', message: 'use dom.js h()' }],
			'no-eval': 'error',
			'no-implied-eval': 'error',
			'no-new-func': 'error',
			eqeqeq: 'error',
		},
	},
	{
		files: ['tests/browser/**/*.{js,mjs}'],
		languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
	},
];
