// @ts-check
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", ".scratch/", "dist/", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            // An Output in a template literal prints "Calling [toString] on an Output" instead of its value.
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/prefer-nullish-coalescing": "error",
            "no-new": "off",
        },
    },
    {
        // No function over ~80 lines (issue 14): split a long one by concern into named functions.
        files: ["components/**/*.ts", "tools/**/*.ts", "index.ts"],
        rules: { "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }] },
    },
    {
        // Mocha's `this` and chai-free assertions need no extra rules; test helpers may use require().
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
