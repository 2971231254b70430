// Jest resolver of `npm run test:nest11`: Nest and the packages an app shares with it (express and fastify
// for the adapters, reflect-metadata's registry, rxjs's Observable) resolve from the Nest 11 install in
// $NEST11_DIR, as they would in a Nest 11 app; everything else, the library's own source included, resolves as usual.
// Requests made from inside $NEST11_DIR resolve there anyway, so Nest 11's own dependencies are its own.
const SHARED_WITH_NEST = /^(?:@nestjs\/[^/]+|express|fastify|@fastify\/[^/]+|reflect-metadata|rxjs)(?:\/|$)/;

module.exports = (request, options) => {
  if (!SHARED_WITH_NEST.test(request)) return options.defaultResolver(request, options);
  const basedir = process.env.NEST11_DIR;
  if (!basedir) throw new Error('NEST11_DIR is not set: run the Nest 11 tests with npm run test:nest11');
  return options.defaultResolver(request, { ...options, basedir });
};
