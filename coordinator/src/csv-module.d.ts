// wrangler.toml bundles *.csv files as text modules (the built-in datasets).
declare module "*.csv" {
  const text: string;
  export default text;
}
