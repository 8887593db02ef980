// emulator/build.mjs bundles each page (its index.html with the CSS and the
// browser bundle inlined) and hands it to the server bundles as this module.
declare module 'mesos-up-ui:*' {
  const page: string;
  export default page;
}
